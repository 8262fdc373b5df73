//! Whole processes timed, with their peak memory, which `std` does not expose.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

/// Runs a command to completion and returns its wall time and peak resident memory.
pub fn time_process(exe: &Path, args: &[OsString]) -> Result<(f64, u64)> {
    let started = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let pid = child.id();
    let (status, rss) = wait_with_rusage(pid)?;
    let elapsed = started.elapsed().as_secs_f64();
    if status != 0 {
        let stderr = child
            .stderr
            .map(|mut e| {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut e, &mut text);
                text
            })
            .unwrap_or_default();
        bail!(
            "`xtask {}` failed (status {status}): {stderr}",
            display_args(args)
        );
    }
    Ok((elapsed, rss))
}

fn display_args(args: &[OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Waits for a child and reads its peak resident set size, which `std` does not expose.
fn wait_with_rusage(pid: u32) -> Result<(i32, u64)> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; zeroed is a valid initial value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(pid).context("process id out of range")?;
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are valid for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        bail!(
            "waiting for process {pid} failed: {}",
            std::io::Error::last_os_error()
        );
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok((code, rss))
}
