//! What the operating system says about processes: resident memory and its peak, CPU time,
//! load average; and the child processes that build each index, so that their peak memory
//! is their own.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

/// A `Vm…` line of /proc/PID/status, in KiB.
pub fn proc_status_kib(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets this process's peak resident set size (Linux ≥ 4.0), so that the next phase's peak
/// is its own; false when the kernel refuses.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) a process used so far, in seconds, from /proc/PID/stat.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name in brackets: state is the first, utime the 12th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks_per_second())
}

/// `getconf CLK_TCK`, 100 on every common Linux.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn rss_now() -> Option<u64> {
    proc_status_kib("self", "VmRSS:")
}

pub fn rss_peak() -> Option<u64> {
    proc_status_kib("self", "VmHWM:")
}

/// What the bench process's memory did in one phase.
#[derive(Debug, Clone)]
pub struct PhaseMemory {
    pub phase: String,
    pub start_kib: Option<u64>,
    pub peak_kib: Option<u64>,
    pub reset: bool,
}

/// A phase of the bench process whose memory is watched from its start.
#[derive(Debug)]
pub struct Phase {
    reset: bool,
    start_kib: Option<u64>,
}

impl Phase {
    /// Resets the peak and notes the resident set size now.
    pub fn begin() -> Phase {
        let reset = reset_peak();
        Phase {
            reset,
            start_kib: rss_now(),
        }
    }

    /// The phase's memory, named for the report.
    pub fn end(self, name: &str) -> PhaseMemory {
        PhaseMemory {
            phase: name.to_string(),
            start_kib: self.start_kib,
            peak_kib: rss_peak(),
            reset: self.reset,
        }
    }
}

/// What a child process reported.
#[derive(Debug)]
pub struct ChildBuild {
    pub elapsed: Duration,
    /// Maximum resident set size from `/usr/bin/time`, else the child's own VmHWM.
    pub peak_kib: Option<u64>,
    /// key=value lines the child printed.
    pub values: Vec<(String, String)>,
}

impl ChildBuild {
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Runs this bench binary again with `args`, under `/usr/bin/time` when it is there.
pub fn run_child(args: &[&str]) -> anyhow::Result<ChildBuild> {
    let exe = std::env::current_exe()?;
    let timed = Path::new("/usr/bin/time").exists();
    let output = if timed {
        Command::new("/usr/bin/time")
            .args(["-f", "time_maxrss_kib=%M\ntime_user_s=%U\ntime_system_s=%S"])
            .arg(&exe)
            .args(args)
            .output()?
    } else {
        Command::new(&exe).args(args).output()?
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "child {args:?} failed: {stdout}\n{stderr}"
    );
    let values: Vec<(String, String)> = stdout
        .lines()
        .chain(stderr.lines())
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let build = ChildBuild {
        elapsed: Duration::ZERO,
        peak_kib: None,
        values,
    };
    let elapsed_ms: u64 = build
        .value("elapsed_ms")
        .context("child did not report elapsed_ms")?
        .parse()?;
    let peak_kib = build
        .value("time_maxrss_kib")
        .or_else(|| build.value("vmhwm_kib"))
        .and_then(|v| v.parse().ok());
    Ok(ChildBuild {
        elapsed: Duration::from_millis(elapsed_ms),
        peak_kib,
        ..build
    })
}

pub fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| match entry.metadata() {
                    Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
                    Ok(meta) => meta.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The 1, 5 and 15 minute load averages: the machine may be shared.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "n/a".to_string())
}
