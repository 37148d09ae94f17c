//! Machine profiles: the leaf sizes and node arity a machine proves with, and what each kind
//! of proof costs on it (seconds and peak memory), every figure marked measured or modelled.
//!
//! Three are built in (`24g`, `128g`, `gpu`); any other is a JSON file in the format that
//! `stakeproof estimate --json` prints under `"profile"` (README: "Cost per report"), so a
//! calibration run replaces modelled figures by measured ones without touching the code.

use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

use super::model::{compressions, leaf_k, Kind, SLOT_DEPTH};
use crate::options::MAX_LEAF_K;

/// Names of the built-in profiles.
pub const BUILTIN: [&str; 3] = ["24g", "128g", "gpu"];

/// Largest profile file read (bytes).
pub const MAX_PROFILE_BYTES: u64 = 1 << 20;

/// Measured on a 2-vCPU, 24 GiB machine: registry-256 (4,606 compressions) in 407 s.
pub const REGISTRY_S_PER_COMPRESSION: f64 = 407.0 / 4606.0;
/// Measured on the same machine: balance-2048-256 (1,188 compressions) in 130 s.
pub const BALANCE_S_PER_COMPRESSION: f64 = 130.0 / 1188.0;

/// Whether a figure was measured or is a model's extrapolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Measured on the profile's machine.
    Measured,
    /// Extrapolated (from compressions at a measured rate, or from a measured node).
    Modelled,
}

/// A number and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// The value.
    pub value: f64,
    /// `measured` or `modelled`.
    pub source: Source,
}

impl Figure {
    /// A measured figure.
    pub const fn measured(value: f64) -> Self {
        Figure {
            value,
            source: Source::Measured,
        }
    }

    /// A modelled figure.
    pub const fn modelled(value: f64) -> Self {
        Figure {
            value,
            source: Source::Modelled,
        }
    }
}

/// What one proof of a kind costs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCost {
    /// Wall seconds of one proof (witness and proving; keys cached).
    pub seconds: Figure,
    /// Peak resident memory while proving it, GB.
    pub peak_gb: Figure,
}

/// Leaf sizes and node arity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    /// `n_r`: validators per registry leaf (today) and per append/boundary range (new).
    pub registry_size: u64,
    /// `n_b`: balances per balance leaf (today).
    pub balance_size: u64,
    /// `K`: single-validator updates per delta leaf (new).
    pub delta_updates: u64,
    /// Balances per pool-balance leaf (new).
    pub pool_balance_size: u64,
    /// Children per aggregation node (2: today's pairs).
    pub node_arity: u64,
    /// Depth of the state's field tree: 5 (up to Deneb) or 6 (Electra).
    pub state_depth: u32,
    /// `n_p`: queue entries per pending-deposit leaf (a profile file without it: 256).
    #[serde(default = "default_pending_size")]
    pub pending_size: u64,
}

fn default_pending_size() -> u64 {
    256
}

/// The `24g` model's pending-deposit costs, for a profile file written before they existed:
/// the leaf of 256 entries at registry-256's seconds per compression, its wrap and the joins at
/// the measured node costs; all modelled.
mod pending_defaults {
    use super::*;

    fn sizes() -> Sizes {
        Profile::builtin("24g").expect("built in").sizes
    }

    pub(super) fn leaf() -> UnitCost {
        let s = sizes();
        UnitCost {
            seconds: Figure::modelled(tenths(
                compressions(Kind::PendingLeaf, &s, SLOT_DEPTH) as f64 * REGISTRY_S_PER_COMPRESSION,
            )),
            peak_gb: Figure::modelled(leaf_peak_gb(
                leaf_k(Kind::PendingLeaf, &s, SLOT_DEPTH).unwrap_or(19),
            )),
        }
    }

    pub(super) fn wrap() -> UnitCost {
        UnitCost {
            seconds: Figure::modelled(233.0),
            peak_gb: Figure::modelled(NODE_PEAK_GB),
        }
    }

    pub(super) fn pair() -> UnitCost {
        UnitCost {
            seconds: Figure::modelled(230.0),
            peak_gb: Figure::modelled(NODE_PEAK_GB),
        }
    }
}

/// The cost of every kind of proof, by its JSON key.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Costs {
    pub registry_leaf: UnitCost,
    pub registry_wrap: UnitCost,
    pub run_pair: UnitCost,
    pub balance_leaf: UnitCost,
    pub balance_wrap: UnitCost,
    pub segment_join: UnitCost,
    pub summary_pair: UnitCost,
    #[serde(rename = "final")]
    pub final_node: UnitCost,
    pub delta_leaf: UnitCost,
    pub append_leaf: UnitCost,
    pub boundary_leaf: UnitCost,
    pub delta_wrap: UnitCost,
    pub delta_join: UnitCost,
    pub pool_balance_leaf: UnitCost,
    pub pool_balance_wrap: UnitCost,
    pub balance_join: UnitCost,
    pub final_new: UnitCost,
    /// Absent from a profile file written before them: the `24g` model's figures.
    #[serde(default = "pending_defaults::leaf")]
    pub pending_leaf: UnitCost,
    #[serde(default = "pending_defaults::wrap")]
    pub pending_wrap: UnitCost,
    #[serde(default = "pending_defaults::pair")]
    pub pending_pair: UnitCost,
}

impl Costs {
    /// The cost of `kind`.
    pub fn get(&self, kind: Kind) -> &UnitCost {
        match kind {
            Kind::RegistryLeaf => &self.registry_leaf,
            Kind::RegistryWrap => &self.registry_wrap,
            Kind::RunPair => &self.run_pair,
            Kind::BalanceLeaf => &self.balance_leaf,
            Kind::BalanceWrap => &self.balance_wrap,
            Kind::SegmentJoin => &self.segment_join,
            Kind::SummaryPair => &self.summary_pair,
            Kind::Final => &self.final_node,
            Kind::DeltaLeaf => &self.delta_leaf,
            Kind::AppendLeaf => &self.append_leaf,
            Kind::BoundaryLeaf => &self.boundary_leaf,
            Kind::DeltaWrap => &self.delta_wrap,
            Kind::DeltaJoin => &self.delta_join,
            Kind::PoolBalanceLeaf => &self.pool_balance_leaf,
            Kind::PoolBalanceWrap => &self.pool_balance_wrap,
            Kind::BalanceJoin => &self.balance_join,
            Kind::FinalNew => &self.final_new,
            Kind::PendingLeaf => &self.pending_leaf,
            Kind::PendingWrap => &self.pending_wrap,
            Kind::PendingPair => &self.pending_pair,
        }
    }
}

/// A machine profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Its name (`24g`, or the file's own).
    pub name: String,
    /// What machine it describes and where its figures come from.
    pub description: String,
    /// The machine's memory, GB: a proof whose peak is above it is flagged.
    pub memory_gb: f64,
    /// Leaf sizes and node arity.
    pub sizes: Sizes,
    /// Seconds and peak memory per proof kind.
    pub costs: Costs,
}

/// A profile that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Neither a built-in name nor a readable file.
    #[error("profile {spec:?}: not a built-in profile (24g, 128g, gpu) and not a readable file: {source}")]
    Read {
        /// What was given.
        spec: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file above [`MAX_PROFILE_BYTES`].
    #[error("profile file {path}: larger than {MAX_PROFILE_BYTES} bytes")]
    TooLarge {
        /// The file.
        path: String,
    },
    /// A file that is not a profile in JSON.
    #[error("profile file {path}: not a valid profile: {source}")]
    Parse {
        /// The file.
        path: String,
        /// The JSON error (names the field or line).
        #[source]
        source: serde_json::Error,
    },
    /// A size out of range.
    #[error("profile {profile}: sizes.{field} = {value}: {reason}")]
    Size {
        /// The profile's name.
        profile: String,
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// What is wrong.
        reason: String,
    },
    /// A leaf circuit above the largest `k` the prover builds.
    #[error(
        "profile {profile}: {circuit} needs k = {k}, above the largest leaf circuit (k = {MAX_LEAF_K})"
    )]
    LeafTooBig {
        /// The profile's name.
        profile: String,
        /// The circuit.
        circuit: String,
        /// Its `k`.
        k: u32,
    },
    /// A cost or memory figure that is not a positive finite number.
    #[error("profile {profile}: {field} = {value} is not a positive number")]
    Figure {
        /// The profile's name.
        profile: String,
        /// The field (`costs.registry_leaf.seconds`, `memory_gb`).
        field: String,
        /// Its value.
        value: f64,
    },
}

/// The modelled peak of a SHA-heavy leaf at `k`: 14 GB at k = 19 (registry-256, which fits
/// 24 GiB while registry-512 at k = 20 does not), doubling per k.
pub fn leaf_peak_gb(k: u32) -> f64 {
    14.0 * 2f64.powi(k as i32 - 19)
}

/// `x` rounded to tenths (modelled seconds: no false precision, exact in JSON).
fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Peak of an aggregation node at `node_k` = 20: 13–15 GB measured (README, "Status").
const NODE_PEAK_GB: f64 = 15.0;
/// Peak of the final node at `final_k` = 22: 19.5 GB measured.
const FINAL_PEAK_GB: f64 = 19.5;

impl Profile {
    /// A built-in profile by name (`24g`, `128g`, `gpu`).
    pub fn builtin(name: &str) -> Option<Profile> {
        let (sizes, memory_gb, description) = match name {
            "24g" => (
                Sizes {
                    registry_size: 256,
                    balance_size: 2048,
                    delta_updates: 32,
                    pool_balance_size: 2048,
                    node_arity: 2,
                    state_depth: 6,
                    pending_size: 256,
                },
                24.0,
                "2 vCPU, 24 GiB: today's sizes. Today's proofs measured on this machine \
                 (README); new circuits modelled from their SHA-256 compressions at the measured \
                 registry-256 (delta, append) and balance-2048 (pool-balance) seconds per \
                 compression, their nodes at the measured node costs; leaf peaks modelled",
            ),
            "128g" | "gpu" => (
                Sizes {
                    registry_size: 1024,
                    balance_size: 8192,
                    delta_updates: 128,
                    pool_balance_size: 8192,
                    node_arity: 2,
                    state_depth: 6,
                    pending_size: 1024,
                },
                if name == "gpu" { 141.0 } else { 128.0 },
                if name == "gpu" {
                    "one GPU with 141 GB (H200): bigger leaves (k up to 22). All figures \
                     modelled: no GPU proof has been measured, so the seconds are the 2-vCPU \
                     model's (compressions at the measured seconds per compression, nodes at \
                     the measured node costs); calibrate with a profile file"
                } else {
                    "128 GB: bigger leaves (k up to 22). All figures modelled: leaves from \
                     their compressions at the 2-vCPU measured seconds per compression, nodes \
                     at the measured node costs (a machine with more cores is faster: \
                     calibrate with a profile file)"
                },
            ),
            _ => return None,
        };
        let measured = name == "24g";
        let fig = |v: f64| {
            if measured {
                Figure::measured(v)
            } else {
                Figure::modelled(v)
            }
        };
        let node = |s: f64| UnitCost {
            seconds: fig(s),
            peak_gb: fig(NODE_PEAK_GB),
        };
        let new_node = |s: f64| UnitCost {
            seconds: Figure::modelled(s),
            peak_gb: Figure::modelled(NODE_PEAK_GB),
        };
        let leaf = |kind: Kind, rate: f64, source: fn(f64) -> Figure| {
            let k = leaf_k(kind, &sizes, SLOT_DEPTH).unwrap_or(19);
            UnitCost {
                seconds: source(tenths(compressions(kind, &sizes, SLOT_DEPTH) as f64 * rate)),
                peak_gb: Figure::modelled(leaf_peak_gb(k)),
            }
        };
        let today_leaf = |kind: Kind, measured_s: f64, rate: f64| {
            if measured {
                UnitCost {
                    seconds: Figure::measured(measured_s),
                    ..leaf(kind, rate, Figure::modelled)
                }
            } else {
                leaf(kind, rate, Figure::modelled)
            }
        };
        let costs = Costs {
            registry_leaf: today_leaf(Kind::RegistryLeaf, 407.0, REGISTRY_S_PER_COMPRESSION),
            registry_wrap: node(188.0),
            run_pair: node(214.0),
            balance_leaf: today_leaf(Kind::BalanceLeaf, 130.0, BALANCE_S_PER_COMPRESSION),
            balance_wrap: node(233.0),
            segment_join: node(225.0),
            summary_pair: node(230.0),
            final_node: UnitCost {
                seconds: fig(312.0),
                peak_gb: fig(FINAL_PEAK_GB),
            },
            delta_leaf: leaf(
                Kind::DeltaLeaf,
                REGISTRY_S_PER_COMPRESSION,
                Figure::modelled,
            ),
            append_leaf: leaf(
                Kind::AppendLeaf,
                REGISTRY_S_PER_COMPRESSION,
                Figure::modelled,
            ),
            boundary_leaf: leaf(
                Kind::BoundaryLeaf,
                REGISTRY_S_PER_COMPRESSION,
                Figure::modelled,
            ),
            delta_wrap: new_node(188.0),
            delta_join: new_node(225.0),
            pool_balance_leaf: leaf(
                Kind::PoolBalanceLeaf,
                BALANCE_S_PER_COMPRESSION,
                Figure::modelled,
            ),
            pool_balance_wrap: new_node(233.0),
            balance_join: new_node(230.0),
            final_new: UnitCost {
                seconds: Figure::modelled(312.0),
                peak_gb: Figure::modelled(FINAL_PEAK_GB),
            },
            pending_leaf: leaf(
                Kind::PendingLeaf,
                REGISTRY_S_PER_COMPRESSION,
                Figure::modelled,
            ),
            pending_wrap: pending_defaults::wrap(),
            pending_pair: pending_defaults::pair(),
        };
        Some(Profile {
            name: name.to_string(),
            description: description.to_string(),
            memory_gb,
            sizes,
            costs,
        })
    }

    /// A built-in profile by name, else the JSON profile file at that path; validated.
    pub fn resolve(spec: &str) -> Result<Profile, ProfileError> {
        match Self::builtin(spec) {
            Some(p) => Ok(p),
            None => Self::from_file(Path::new(spec), spec),
        }
    }

    /// Reads and validates a JSON profile file (at most [`MAX_PROFILE_BYTES`]).
    fn from_file(path: &Path, spec: &str) -> Result<Profile, ProfileError> {
        let shown = path.display().to_string();
        let read = |source| ProfileError::Read {
            spec: spec.to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut bytes = Vec::new();
        file.take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_PROFILE_BYTES {
            return Err(ProfileError::TooLarge { path: shown });
        }
        let p: Profile = serde_json::from_slice(&bytes).map_err(|source| ProfileError::Parse {
            path: shown,
            source,
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Checks sizes (powers of two that nest, a pending leaf of at most 2^20 entries, every leaf
    /// at most k = 24, arity 2 to 16,
    /// state depth 5 or 6) and that every figure is a positive finite number.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let s = &self.sizes;
        let size = |field: &'static str, value: u64, reason: &str| ProfileError::Size {
            profile: self.name.clone(),
            field,
            value,
            reason: reason.to_string(),
        };
        let pow2 = |field, value: u64, min: u64, max: u64| {
            if !value.is_power_of_two() || value < min || value > max {
                Err(size(
                    field,
                    value,
                    &format!("must be a power of two from {min} to {max}"),
                ))
            } else {
                Ok(())
            }
        };
        pow2("registry_size", s.registry_size, 1, 1 << 23)?;
        pow2("balance_size", s.balance_size, 4, 1 << 24)?;
        pow2("pool_balance_size", s.pool_balance_size, 4, 1 << 24)?;
        pow2("pending_size", s.pending_size, 1, 1 << 20)?;
        if s.balance_size < s.registry_size {
            return Err(size(
                "balance_size",
                s.balance_size,
                "must be a multiple of registry_size (at least as large)",
            ));
        }
        if !(1..=1 << 20).contains(&s.delta_updates) {
            return Err(size(
                "delta_updates",
                s.delta_updates,
                "must be from 1 to 2^20",
            ));
        }
        if !(2..=16).contains(&s.node_arity) {
            return Err(size("node_arity", s.node_arity, "must be from 2 to 16"));
        }
        if !(5..=6).contains(&s.state_depth) {
            return Err(size(
                "state_depth",
                u64::from(s.state_depth),
                "must be 5 (up to Deneb) or 6 (Electra)",
            ));
        }
        for kind in Kind::ALL {
            if let Some(k) = leaf_k(kind, s, SLOT_DEPTH) {
                if k > MAX_LEAF_K {
                    return Err(ProfileError::LeafTooBig {
                        profile: self.name.clone(),
                        circuit: kind.circuit(s),
                        k,
                    });
                }
            }
        }
        let figure = |field: String, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(ProfileError::Figure {
                    profile: self.name.clone(),
                    field,
                    value,
                })
            }
        };
        figure("memory_gb".into(), self.memory_gb)?;
        for kind in Kind::ALL {
            let c = self.costs.get(kind);
            figure(format!("costs.{}.seconds", kind.key()), c.seconds.value)?;
            figure(format!("costs.{}.peak_gb", kind.key()), c.peak_gb.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid_and_round_trip() {
        for name in BUILTIN {
            let p = Profile::builtin(name).unwrap();
            p.validate().unwrap();
            let json = serde_json::to_string(&p).unwrap();
            let back: Profile = serde_json::from_str(&json).unwrap();
            assert_eq!(back, p, "{name}");
        }
        assert!(Profile::builtin("1t").is_none());
    }

    #[test]
    fn the_default_profile_is_the_measured_one() {
        let p = Profile::builtin("24g").unwrap();
        let c = &p.costs;
        assert_eq!(c.registry_leaf.seconds, Figure::measured(407.0));
        assert_eq!(c.balance_leaf.seconds, Figure::measured(130.0));
        assert_eq!(c.summary_pair.seconds, Figure::measured(230.0));
        assert_eq!(c.registry_leaf.peak_gb.source, Source::Modelled);
        // 32 × 128 compressions at 407/4606 s each.
        let d = c.delta_leaf.seconds;
        assert_eq!(d.source, Source::Modelled);
        assert_eq!(d.value, 361.9);
        assert_eq!(c.delta_join.seconds, Figure::modelled(225.0));
        let big = Profile::builtin("128g").unwrap();
        for kind in Kind::ALL {
            assert_eq!(big.costs.get(kind).seconds.source, Source::Modelled);
        }
        // registry-1024 at k = 21; the boundary range (twice the hashing) at k = 22 fits.
        assert_eq!(leaf_k(Kind::RegistryLeaf, &big.sizes, 24), Some(21));
        assert!(big.costs.boundary_leaf.peak_gb.value <= big.memory_gb);
    }

    fn invalid(edit: impl FnOnce(&mut Profile)) -> String {
        let mut p = Profile::builtin("24g").unwrap();
        edit(&mut p);
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn bad_profiles_name_the_problem() {
        let e = invalid(|p| p.sizes.registry_size = 300);
        assert!(e.contains("sizes.registry_size = 300"), "{e}");
        let e = invalid(|p| p.sizes.balance_size = 128);
        assert!(e.contains("multiple of registry_size"), "{e}");
        let e = invalid(|p| p.sizes.registry_size = 1 << 14);
        assert!(e.contains("balance_size"), "{e}");
        let e = invalid(|p| {
            p.sizes.registry_size = 1 << 14;
            p.sizes.balance_size = 1 << 14;
        });
        assert!(e.contains("registry-16384 needs k = 25"), "{e}");
        let e = invalid(|p| p.sizes.delta_updates = 0);
        assert!(e.contains("delta_updates"), "{e}");
        let e = invalid(|p| p.sizes.node_arity = 1);
        assert!(e.contains("node_arity"), "{e}");
        let e = invalid(|p| p.costs.delta_join.seconds.value = -1.0);
        assert!(e.contains("costs.delta_join.seconds = -1"), "{e}");
        let e = invalid(|p| p.memory_gb = f64::INFINITY);
        assert!(e.contains("memory_gb"), "{e}");
    }

    #[test]
    fn files_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut p = Profile::builtin("24g").unwrap();
        p.name = "calibrated".into();
        p.costs.delta_leaf.seconds = Figure::measured(300.0);
        std::fs::write(&path, serde_json::to_vec(&p).unwrap()).unwrap();
        let spec = path.to_str().unwrap();
        assert_eq!(Profile::resolve(spec).unwrap(), p);

        std::fs::write(&path, b"{\"name\": \"x\"}").unwrap();
        let e = Profile::resolve(spec).unwrap_err();
        assert!(matches!(e, ProfileError::Parse { .. }), "{e}");
        assert!(e.to_string().contains("missing field"), "{e}");

        let mut v = serde_json::to_value(&p).unwrap();
        v["costs"]["delta_leaf"]["seconds"]["source"] = "guessed".into();
        std::fs::write(&path, v.to_string()).unwrap();
        let e = Profile::resolve(spec).unwrap_err().to_string();
        assert!(e.contains("guessed"), "{e}");

        let e = Profile::resolve("/nonexistent/profile.json").unwrap_err();
        assert!(matches!(e, ProfileError::Read { .. }), "{e}");
        assert!(e.to_string().contains("24g, 128g, gpu"), "{e}");
    }
}
