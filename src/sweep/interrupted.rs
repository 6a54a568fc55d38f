//! What an interrupted sweep says: which runs finished, as seed ranges per variant.

use super::{RunEnd, RunKey, Sweep};

/// `web-1: seeds 1-30; web-2: seeds 1-7, 9` for the runs of `keys` that are complete, or
/// `none`.
pub fn finished_runs(sweep: &Sweep, keys: &[RunKey], ends: &[RunEnd]) -> String {
    let mut parts = Vec::new();
    for (v, variant) in sweep.variants.iter().enumerate() {
        let seeds: Vec<u64> = keys
            .iter()
            .zip(ends)
            .filter(|(k, e)| k.variant == v && e.summary().is_some())
            .map(|(k, _)| k.seed)
            .collect();
        if !seeds.is_empty() {
            parts.push(format!("{}: seeds {}", variant.name, ranges(&seeds)));
        }
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("; ")
    }
}

/// Seeds as ranges of consecutive numbers, in the given order: `1-3, 5`.
fn ranges(seeds: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seeds.len() {
        let mut j = i;
        while j + 1 < seeds.len() && seeds[j].checked_add(1) == Some(seeds[j + 1]) {
            j += 1;
        }
        out.push(if i == j { seeds[i].to_string() } else { format!("{}-{}", seeds[i], seeds[j]) });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn consecutive_seeds_collapse_into_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        assert_eq!(ranges(&[4]), "4");
        assert_eq!(ranges(&[u64::MAX - 1, u64::MAX]), format!("{}-{}", u64::MAX - 1, u64::MAX));
    }
}
