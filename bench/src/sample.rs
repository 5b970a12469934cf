//! Repeated timings of one measurement: median, min and max of the runs after a warm-up.

use std::time::{Duration, Instant};

/// How many times each measurement runs.
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    /// Runs thrown away first: caches, connections, the page cache of the server.
    pub warmup: usize,
    /// Runs kept.
    pub runs: usize,
}

impl Repeat {
    pub fn total(self) -> usize {
        self.warmup + self.runs
    }
}

/// The kept runs of one measurement.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    values: Vec<Duration>,
}

impl Samples {
    pub fn push(&mut self, value: Duration) {
        self.values.push(value);
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut values = self.values.clone();
        values.sort();
        values
    }

    /// The middle value; of an even count, the mean of the two middle ones.
    pub fn median(&self) -> Duration {
        let sorted = self.sorted();
        match sorted.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        }
    }

    /// The median of the ratios of this run's values to `other`'s, round by round: runs of one
    /// round share the machine's load of the moment, so their ratio is steadier than the ratio of
    /// two medians on a busy machine.
    pub fn paired_ratio(&self, other: &Samples) -> f64 {
        let mut ratios: Vec<f64> = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE))
            .collect();
        ratios.sort_by(f64::total_cmp);
        match ratios.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => ratios[n / 2],
            n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> Duration {
        self.values.iter().copied().min().unwrap_or_default()
    }

    pub fn max(&self) -> Duration {
        self.values.iter().copied().max().unwrap_or_default()
    }
}

/// Times `run` `repeat.total()` times and keeps the runs after the warm-up. `prepare` builds what
/// one run needs (a fresh database) outside the timing.
pub fn measure<T>(
    repeat: Repeat,
    mut prepare: impl FnMut() -> anyhow::Result<T>,
    mut run: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    for round in 0..repeat.total() {
        let input = prepare()?;
        let started = Instant::now();
        run(input)?;
        if round >= repeat.warmup {
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        let mut samples = Samples::default();
        for ms in [5, 1, 9, 3] {
            samples.push(Duration::from_millis(ms));
        }
        assert_eq!(samples.median(), Duration::from_millis(4));
        samples.push(Duration::from_millis(7));
        assert_eq!(samples.median(), Duration::from_millis(5));
        assert_eq!(samples.min(), Duration::from_millis(1));
        assert_eq!(samples.max(), Duration::from_millis(9));
        let mut doubled = Samples::default();
        for ms in [10, 2, 18, 6, 14] {
            doubled.push(Duration::from_millis(ms));
        }
        assert_eq!(doubled.paired_ratio(&samples), 2.0);
    }
}
