//! What the run's figures depend on: the machine, the server, and how busy the machine was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The processors, the memory and the kernel, as one line.
pub fn describe() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_owned(), |text| text.trim().to_owned());
    format!("{cores} cores (nproc) of {cpu}, {memory} memory, Linux {kernel}")
}

/// The 1-minute load average, read every few seconds while the bench runs.
pub struct LoadSampler {
    samples: Arc<Mutex<Vec<f64>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl LoadSampler {
    pub fn start() -> LoadSampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (samples, stop) = (samples.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut tick = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    if tick.is_multiple_of(50)
                        && let (Some(load), Ok(mut samples)) = (load_average(), samples.lock())
                    {
                        samples.push(load);
                    }
                    tick += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        LoadSampler {
            samples,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling; the load average's minimum, median and maximum during the run.
    pub fn finish(mut self) -> String {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut samples = self.samples.lock().map(|s| s.clone()).unwrap_or_default();
        samples.extend(load_average());
        samples.sort_by(f64::total_cmp);
        match samples.as_slice() {
            [] => "unknown".to_owned(),
            all => format!(
                "min {:.2}, median {:.2}, max {:.2} ({} samples, one per 5 s)",
                all[0],
                all[all.len() / 2],
                all[all.len() - 1],
                all.len()
            ),
        }
    }
}
