//! CPU time taken so far by this process and by a PostgreSQL server, read from `/proc`: what
//! a benchmark divides by the work done to tell its cost per operation, which stays true when
//! other work shares the machine (a rate does not). Shared by the benches through `#[path]`.

/// CPU time (user + system, s) of this process so far.
pub fn process_seconds() -> Option<f64> {
    Some(ticks("self")?.0 / 100.0)
}

/// CPU time of a PostgreSQL server so far: the postmaster, the backends that have exited, and
/// the live ones.
pub fn postgres_seconds(postmaster: i32) -> Option<f64> {
    let root = postmaster.to_string();
    let (own, reaped, _) = ticks(&root)?;
    let mut total = own + reaped;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some((cpu, _, parent)) = ticks(&name) {
            if parent == root {
                total += cpu;
            }
        }
    }
    Some(total / 100.0)
}

/// CPU ticks (user + system) of a process or thread (`pid` as under `/proc`), of its children
/// that it has reaped, and its parent's pid, from `/proc/<pid>/stat`.
pub fn ticks(pid: &str) -> Option<(f64, f64, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // Linux reports clock ticks; USER_HZ is 100 on every mainstream configuration.
    Some((
        ticks(11)? + ticks(12)?,
        ticks(13)? + ticks(14)?,
        fields.get(1)?.to_string(),
    ))
}
