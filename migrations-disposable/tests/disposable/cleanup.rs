//! Cleanup when no destructor runs: SIGINT/SIGTERM remove everything and exit 130/143; SIGKILL
//! leaves debris that the next start removes. Each case runs a child process of this binary.

use std::path::PathBuf;

use migrations_disposable::{Backend, DisposableServer, ServerOptions};

use crate::support::{
    RunningChild, ScratchDir, database_exists, eventually, local, postmaster_pid, process_exists,
    run_child,
};

#[test]
fn sigterm_removes_the_shared_cluster_and_exits_143() {
    let child = RunningChild::spawn("hold-shared", &[("DISPOSABLE_PG", "local")]);
    assert_eq!(child.get("backend"), "local");
    let dir = PathBuf::from(child.get("dir"));
    let postmaster = postmaster_pid(&dir).unwrap();
    child.signal(libc::SIGTERM);
    assert_eq!(child.wait(), 143);
    assert!(!dir.exists(), "{} survived SIGTERM", dir.display());
    assert!(eventually(5, || !process_exists(postmaster)));
}

#[test]
fn sigint_removes_a_started_cluster_and_exits_130() {
    let child = RunningChild::spawn("hold-local", &[]);
    let dir = PathBuf::from(child.get("dir"));
    child.signal(libc::SIGINT);
    assert_eq!(child.wait(), 130);
    assert!(!dir.exists(), "{} survived SIGINT", dir.display());
}

#[test]
fn a_sigkilled_run_leaves_debris_that_the_next_start_removes() {
    let scratch = ScratchDir::new("sigkill");
    let base = scratch.0.to_str().unwrap();
    let child = RunningChild::spawn("hold-local", &[("DISPOSABLE_PG_DIR", base)]);
    let dir = PathBuf::from(child.get("dir"));
    let postmaster = postmaster_pid(&dir).unwrap();
    child.signal(libc::SIGKILL);
    assert_eq!(child.wait(), 128 + libc::SIGKILL);
    // The parent-death signal stops the postmaster; only the directory is left.
    assert!(eventually(10, || !process_exists(postmaster)));
    assert_eq!(scratch.clusters(), vec![dir.clone()]);

    let report = run_child("start-local", &[("DISPOSABLE_PG_DIR", base)]);
    assert!(report.starts_with("started "), "{report}");
    assert!(!dir.exists(), "the sweep left {}", dir.display());
    assert_eq!(scratch.clusters(), Vec::<PathBuf>::new());
}

#[test]
fn the_sweep_stops_an_orphaned_postmaster_of_its_directory_only_when_not_kept() {
    let scratch = ScratchDir::new("orphan");
    let base = scratch.0.to_str().unwrap();
    // A kept cluster is not tied to its process, so it outlives the SIGKILL like a real orphan.
    let child = RunningChild::spawn(
        "hold-local",
        &[("DISPOSABLE_PG_DIR", base), ("DISPOSABLE_PG_KEEP", "1")],
    );
    let dir = PathBuf::from(child.get("dir"));
    let postmaster = postmaster_pid(&dir).unwrap();
    let stop_anyway = StopOnDrop(postmaster);
    child.signal(libc::SIGKILL);
    child.wait();
    assert!(process_exists(postmaster));

    run_child("start-local", &[("DISPOSABLE_PG_DIR", base)]);
    assert!(dir.exists(), "a kept cluster was swept");
    assert!(process_exists(postmaster));

    let owner = dir.join("owner");
    let marker = std::fs::read_to_string(&owner).unwrap();
    assert!(marker.contains("keep=1"), "{marker}");
    std::fs::write(&owner, marker.replace("keep=1", "keep=0")).unwrap();
    run_child("start-local", &[("DISPOSABLE_PG_DIR", base)]);
    assert!(!dir.exists());
    assert!(eventually(5, || !process_exists(postmaster)));
    drop(stop_anyway);
}

/// Stops a postmaster left by a failed assertion.
struct StopOnDrop(i32);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if process_exists(self.0) {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(self.0, libc::SIGQUIT) };
        }
    }
}

fn server_backend_host() -> (DisposableServer, String) {
    let host = local(ServerOptions {
        tcp: true,
        ..ServerOptions::default()
    });
    host.create_role("runner", "runner-password").unwrap();
    host.connect_admin()
        .unwrap()
        .batch_execute("ALTER ROLE runner CREATEDB")
        .unwrap();
    let url = host
        .tcp_url("postgres", "runner", "runner-password")
        .unwrap()
        .expose()
        .to_owned();
    (host, url)
}

#[test]
fn an_interrupted_server_backend_run_drops_its_databases() {
    let (host, url) = server_backend_host();
    let child = RunningChild::spawn(
        "hold-shared",
        &[
            ("DISPOSABLE_PG", "server"),
            ("DISPOSABLE_PG_SERVER_URL", &url),
        ],
    );
    let name = child.get("db").to_owned();
    assert!(database_exists(&host, &name));
    child.signal(libc::SIGTERM);
    assert_eq!(child.wait(), 143);
    assert!(!database_exists(&host, &name));
}

#[test]
fn a_killed_server_backend_run_is_swept_by_the_next_start() {
    let (host, url) = server_backend_host();
    let child = RunningChild::spawn(
        "hold-shared",
        &[
            ("DISPOSABLE_PG", "server"),
            ("DISPOSABLE_PG_SERVER_URL", &url),
        ],
    );
    let name = child.get("db").to_owned();
    child.signal(libc::SIGKILL);
    child.wait();
    assert!(database_exists(&host, &name));
    let next = DisposableServer::start(ServerOptions {
        backend: Some(Backend::Server),
        server_url: Some(url.as_str().into()),
        ..ServerOptions::default()
    })
    .unwrap();
    assert!(!database_exists(&host, &name));
    drop(next);
}
