//! "Did you mean ...?": the closest valid name to a misspelt one.

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions, each
/// counted once), case-insensitive: `strsim`'s, the crate clap already suggests with.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `did you mean `x`?`, for a help line.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_transpositions_once() {
        assert_eq!(edit_distance("Deploymnet", "Deployment"), 1);
        assert_eq!(edit_distance("replcas", "replicas"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("scael", "scale"), 1);
        // Case does not count; an OSA transposition is not edited again (`ca` -> `abc` is 3).
        assert_eq!(edit_distance("REPLICAS", "replicas"), 0);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    // The distance kubesim used before `strsim`, kept to show the suggestions did not change.
    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions),
    /// case-insensitive.
    fn hand_written_osa(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.to_lowercase().chars().collect();
        let b: Vec<char> = b.to_lowercase().chars().collect();
        let mut prev2: Vec<usize> = vec![0; b.len() + 1];
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d = d.min(prev2[j - 2] + 1);
                }
                cur[j] = d;
            }
            prev2 = std::mem::replace(&mut prev, cur);
        }
        prev[b.len()]
    }

    proptest::proptest! {
        #[test]
        fn strsim_agrees_with_the_hand_written_distance(a in "[abcAé]{0,9}", b in "[abcAé]{0,9}") {
            proptest::prop_assert_eq!(edit_distance(&a, &b), hand_written_osa(&a, &b));
        }
    }

    #[test]
    fn suggests_only_close_names() {
        let kinds = ["Deployment", "ReplicaSet", "Pod"];
        assert_eq!(closest("Deploymnet", kinds), Some("Deployment"));
        assert_eq!(closest("Frobnicator", kinds), None);
        assert_eq!(did_you_mean("replcas", ["replicas", "selector"]).as_deref(), Some("did you mean `replicas`?"));
    }
}
