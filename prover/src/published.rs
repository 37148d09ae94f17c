//! The final verifying keys a release publishes (`prover/published-keys.json`, compiled in), and
//! what a final proof's key is against them.
//!
//! A proof carries its own verifying key, and any key verifies the proofs made with it: checked
//! only against the key it carries, a proof says nothing about which circuit it is for. So the
//! final key of each circuit and setup this release supports is published here: `verify` and
//! `export-verifier` refuse a proof whose key is not the published one of its circuit and setup
//! (or is unpublished, unless the user says which key to expect), and `prove` refuses to write a
//! final proof whose key differs from the published one: a poisoned or stale key cache in the
//! work directory.

use crate::final_artifact::FinalArtifact;
use std::sync::OnceLock;

/// The published keys, as the release was built with them.
const PUBLISHED_JSON: &str = include_str!("../published-keys.json");
/// `format` of the file.
const FORMAT: &str = "stakeproof-published-keys";

/// One published final key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedKey {
    /// What it is for (network, state, setup), for messages.
    pub label: String,
    /// The setup's id (`SetupInfo::id`).
    pub setup: String,
    /// The final circuit's name without its children's key digest ([`circuit_tag`]).
    pub circuit: String,
    /// The final circuit's k.
    pub degree: u32,
    /// The circuits' version.
    pub circuits_version: u32,
    /// The verifying key's digest.
    pub vk_digest: String,
    /// How the key was made (for a reader who wants to make it again).
    pub made_by: String,
}

#[derive(serde::Deserialize)]
struct PublishedFile {
    format: String,
    version: u32,
    keys: Vec<PublishedKey>,
}

/// A final key made from a work directory's keys that is not the published key of its circuit
/// and setup.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the final key made here, {made}, is not the published key {published} of circuit {circuit} under setup {setup} ({label}): a cached key in {keys_dir} was changed or is stale. Delete that directory and prove again; no final proof was written"
)]
pub struct KeyNotPublished {
    /// The final circuit's name.
    pub circuit: String,
    /// The setup's id.
    pub setup: String,
    /// The digest of the key made here.
    pub made: String,
    /// The published digest.
    pub published: String,
    /// The published key's label.
    pub label: String,
    /// The work directory's key cache.
    pub keys_dir: String,
}

/// What a proof's verifying key is against the published keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStatus<'a> {
    /// The published key of its circuit and setup.
    Published(&'a PublishedKey),
    /// Its circuit and setup have a published key, and this is another one.
    Differs(&'a PublishedKey),
    /// Nothing is published for its circuit and setup.
    Unpublished,
}

/// The published keys (the file is checked by this crate's tests; an unreadable one publishes
/// nothing, so every key is then unpublished).
pub fn published() -> &'static [PublishedKey] {
    static KEYS: OnceLock<Vec<PublishedKey>> = OnceLock::new();
    KEYS.get_or_init(|| parse(PUBLISHED_JSON).unwrap_or_default())
}

fn parse(json: &str) -> Result<Vec<PublishedKey>, String> {
    let f: PublishedFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if f.format != FORMAT || f.version != 1 {
        return Err(format!("not a {FORMAT} file of version 1"));
    }
    Ok(f.keys)
}

/// A final circuit's name without the digest of its children's keys that ends it
/// (`agg-…-to-final-0123456789ab` → `agg-…-to-final`): what the circuit is, whatever keys its
/// children were proven with.
pub fn circuit_tag(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((tag, d)) if d.len() == 12 && d.bytes().all(|b| b.is_ascii_hexdigit()) => tag,
        _ => name,
    }
}

/// The status of a key: `vk_digest` of the final circuit `circuit` (its full name) at k
/// `degree`, circuits version `version`, under setup `setup`.
pub fn status<'a>(
    keys: &'a [PublishedKey],
    setup: &str,
    circuit: &str,
    degree: u32,
    version: u32,
    vk_digest: &str,
) -> KeyStatus<'a> {
    let tag = circuit_tag(circuit);
    match keys.iter().find(|k| {
        k.setup == setup && k.circuit == tag && k.degree == degree && k.circuits_version == version
    }) {
        Some(k) if k.vk_digest.eq_ignore_ascii_case(vk_digest) => KeyStatus::Published(k),
        Some(k) => KeyStatus::Differs(k),
        None => KeyStatus::Unpublished,
    }
}

impl FinalArtifact {
    /// The status of this proof's verifying key against the published keys.
    pub fn key_status(&self) -> KeyStatus<'static> {
        status(
            published(),
            &self.setup.id,
            &self.circuit.name,
            self.circuit.params.degree,
            self.circuit.circuits_version,
            &self.circuit.vk_digest,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_file_reads_and_names_distinct_circuits() {
        let keys = parse(PUBLISHED_JSON).expect("published-keys.json");
        assert!(!keys.is_empty());
        assert_eq!(published(), &keys[..]);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(circuit_tag(&k.circuit), k.circuit, "{}: a tag", k.label);
            assert!(k.vk_digest.starts_with("0x") && k.vk_digest.len() == 66);
            assert!(
                !keys[..i]
                    .iter()
                    .any(|o| (&o.setup, &o.circuit, o.degree) == (&k.setup, &k.circuit, k.degree)),
                "{} published twice",
                k.label
            );
        }
    }

    #[test]
    fn the_committed_final_proof_carries_the_published_key() {
        let art: FinalArtifact =
            serde_json::from_str(include_str!("../../tests/fixtures/e2e-final.json")).unwrap();
        assert!(matches!(art.key_status(), KeyStatus::Published(_)));
        // The same circuit and setup with another key: a poisoned cache's proof.
        let mut other = art.clone();
        other.circuit.vk_digest = format!("0x{}", "ab".repeat(32));
        other.circuit.name = format!("{}-{}", circuit_tag(&art.circuit.name), "0".repeat(12));
        assert!(matches!(other.key_status(), KeyStatus::Differs(_)));
        // Another setup, k or version: unpublished.
        let mut own = art.clone();
        own.setup.id = "file-00".into();
        assert_eq!(own.key_status(), KeyStatus::Unpublished);
        let mut own = art.clone();
        own.circuit.params.degree += 1;
        assert_eq!(own.key_status(), KeyStatus::Unpublished);
    }

    #[test]
    fn a_tag_drops_only_a_trailing_12_hex_digest() {
        assert_eq!(
            circuit_tag("agg-reg8x1-to-final-e5465261b5fa"),
            "agg-reg8x1-to-final"
        );
        assert_eq!(circuit_tag("agg-reg8x1-to-final"), "agg-reg8x1-to-final");
        assert_eq!(circuit_tag("final-e5465261b5fz"), "final-e5465261b5fz");
        assert_eq!(circuit_tag("x-e5465261b5"), "x-e5465261b5");
        assert!(parse("{}").is_err());
        assert!(parse(r#"{"format":"other","version":1,"keys":[]}"#).is_err());
    }
}
