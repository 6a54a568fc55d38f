//! kubesim's caps: what a scenario may ask for, checked at load so that a scenario that
//! would exhaust memory (or run for days) is an exit-2 error naming the field and the cap,
//! before anything runs. The README's Limits section lists the same numbers.

//! The older caps live beside their checks: `config::MAX_NODES`, `validate::MAX_REPLICAS`
//! (per workload), `registry::MAX_TOTAL_PODS` and the 30 days of `config`'s duration.

/// Entries of `timeline:` (each is a scheduled event and a parsed command).
pub(crate) const MAX_TIMELINE_ENTRIES: usize = 100_000;

/// Objects in one input file (its documents, `kind: List` items counted one by one): with the
/// 64 MiB cap on bytes, this bounds what checking a file costs (each object is parsed,
/// validated and converted: about 40 KB and a millisecond each at worst).
pub(crate) const MAX_OBJECTS_PER_FILE: usize = 100_000;

/// Requests the traffic sources are expected to send over the run, all sources together
/// (the rate integrated over the duration): beyond this a run takes hours.
pub(crate) const MAX_REQUESTS: f64 = 10_000_000_000.0;

/// Requests one source may hold open at once at its highest rate: peak rate x timeout.
/// Each open request is kept in the source's window until it ends or times out, so this
/// bounds that window's memory (about 32 bytes a request).
pub(crate) const MAX_OPEN_REQUESTS: f64 = 10_000_000.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::config::MAX_NODES;
    use crate::scenario::registry::MAX_TOTAL_PODS;
    use crate::scenario::validate::MAX_REPLICAS;

    #[test]
    fn the_caps_are_the_documented_numbers() {
        // The README is the workspace's, two folders above this crate.
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
            .expect("the workspace's README.md");
        let limits = readme.split("### Limits").nth(1).expect("README.md has a Limits section");
        for (what, n) in [
            ("nodes", MAX_NODES),
            ("desired pods", MAX_TOTAL_PODS),
            ("replicas", u64::try_from(MAX_REPLICAS).unwrap_or(0)),
            ("timeline entries", MAX_TIMELINE_ENTRIES as u64),
            ("objects per file", MAX_OBJECTS_PER_FILE as u64),
            ("requests", MAX_REQUESTS as u64),
            ("open requests", MAX_OPEN_REQUESTS as u64),
        ] {
            let written = n
                .to_string()
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect::<Vec<_>>()
                .join(",");
            assert!(limits.contains(&written), "README's Limits does not say {written} ({what})");
        }
    }
}
