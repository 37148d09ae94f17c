//! The cost model of issue #15 (`stakeproof estimate`): proofs, SHA-256 compressions,
//! machine-hours and the longest dependency chain of a cold and a later report, in today's
//! design and in the registry-delta design, from the registry size, the pool's share and
//! layout, the churn per report and a machine [`profile::Profile`].
//!
//! - [`model`]: the formulas (expected proof counts per kind, compressions per leaf);
//! - [`profile`]: leaf sizes, node arity and unit costs, built in or from a JSON file.

pub mod model;
pub mod profile;

pub use model::{InputError, Inputs, Kind, Layout};
pub use profile::{Figure, Profile, ProfileError, Source};

use model::{compressions, leaf_k, Plan};
use serde::Serialize;

/// What the figures are, in one line (the JSON's `"model"`, the table's header).
pub const MODEL: &str = "expected values: scattered changes at uniformly random indices, pool \
     runs at uniformly random starts (or each validator a member independently), appended \
     validators at the end; unit costs from the profile; latency with unlimited workers";

/// One kind of proof in a report.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// The kind (the profile's key).
    pub kind: Kind,
    /// The circuit at the profile's sizes.
    pub circuit: String,
    /// `k` of a leaf circuit (nodes: none).
    pub k: Option<u32>,
    /// Expected proofs of this kind.
    pub count: f64,
    /// SHA-256 compressions per proof (nodes: 0).
    pub compressions_each: u64,
    /// Seconds per proof, measured or modelled.
    pub seconds_each: Figure,
    /// Peak memory per proof, measured or modelled.
    pub peak_gb: Figure,
}

/// One step of the longest chain: `times` proofs of `kind`, one after another.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The kind.
    pub kind: Kind,
    /// How many in sequence.
    pub times: u64,
    /// Their seconds together.
    pub seconds: f64,
}

/// The cost of one report in one design.
#[derive(Clone, Debug, Serialize)]
pub struct ReportCost {
    /// Expected proofs.
    pub proofs: f64,
    /// Expected SHA-256 compressions in the leaf circuits.
    pub compressions: f64,
    /// Expected machine-hours: every proof's seconds, one at a time.
    pub machine_hours: f64,
    /// Share of those seconds that come from modelled unit costs (0: all measured).
    pub modelled_share: f64,
    /// The longest dependency chain, seconds (unlimited workers).
    pub latency_s: f64,
    /// Its steps, leaves first.
    pub longest_chain: Vec<Step>,
    /// The proofs kind by kind.
    pub by_kind: Vec<Line>,
}

/// A design's cold and later report.
#[derive(Clone, Debug, Serialize)]
pub struct DesignCost {
    /// Everything proven from nothing.
    pub cold: ReportCost,
    /// A report after the previous one (its proofs or statement cached).
    pub later: ReportCost,
}

/// New design / today's design, figure by figure (`None` where today's is 0).
#[derive(Clone, Debug, Serialize)]
pub struct Ratios {
    /// Proofs.
    pub proofs: Option<f64>,
    /// SHA-256 compressions.
    pub compressions: Option<f64>,
    /// Machine-hours.
    pub machine_hours: Option<f64>,
    /// Longest chain.
    pub latency_s: Option<f64>,
}

/// Both designs.
#[derive(Clone, Debug, Serialize)]
pub struct Designs {
    /// Today's (`docs/ARCHITECTURE.md` §4).
    pub today: DesignCost,
    /// Issue #15's registry chain and pool-balance leaves.
    pub new: DesignCost,
}

/// The ratios of a cold and a later report.
#[derive(Clone, Debug, Serialize)]
pub struct ReportRatios {
    /// Cold report.
    pub cold: Ratios,
    /// Later report.
    pub later: Ratios,
}

/// Figures derived from the inputs that the model uses.
#[derive(Clone, Debug, Serialize)]
pub struct Derived {
    /// Exits plus effective-balance changes.
    pub scattered_changes: u64,
    /// Today: registry ranges `⌈N/n_b⌉·n_b/n_r`.
    pub registry_ranges: u64,
    /// Today: balance ranges (segments) `⌈N/n_b⌉`.
    pub segments: u64,
    /// New: depth of the slot trees (24; `⌈log2 N⌉` above 2^24).
    pub slot_depth: u32,
    /// New: range slots of the balance tree, `2^depth / n_b`.
    pub balance_slots: u64,
    /// Expected pool members.
    pub pool_members: f64,
}

/// The whole estimate (`stakeproof estimate --json`).
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// What the figures are.
    pub model: &'static str,
    /// The inputs.
    pub inputs: Inputs,
    /// The profile, in the format a profile file takes.
    pub profile: Profile,
    /// Figures derived from the inputs.
    pub derived: Derived,
    /// Per design, per report.
    pub designs: Designs,
    /// New / today.
    pub ratios: ReportRatios,
    /// Caveats that apply to these inputs and this profile.
    pub notes: Vec<String>,
}

fn price(plan: &Plan, profile: &Profile, slot_depth: u32) -> ReportCost {
    let s = &profile.sizes;
    let secs = |k: Kind| profile.costs.get(k).seconds.value;
    let by_kind: Vec<Line> = plan
        .counts
        .iter()
        .map(|&(kind, count)| {
            let c = profile.costs.get(kind);
            Line {
                kind,
                circuit: kind.circuit(s),
                k: leaf_k(kind, s, slot_depth),
                count,
                compressions_each: compressions(kind, s, slot_depth),
                seconds_each: c.seconds,
                peak_gb: c.peak_gb,
            }
        })
        .collect();
    let total_s: f64 = by_kind.iter().map(|l| l.count * l.seconds_each.value).sum();
    let modelled_s: f64 = by_kind
        .iter()
        .filter(|l| l.seconds_each.source == Source::Modelled)
        .map(|l| l.count * l.seconds_each.value)
        .sum();
    let steps = |chain: &[(Kind, u64)]| -> Vec<Step> {
        chain
            .iter()
            .filter(|(_, t)| *t > 0)
            .map(|&(kind, times)| Step {
                kind,
                times,
                seconds: times as f64 * secs(kind),
            })
            .collect()
    };
    let sum = |steps: &[Step]| steps.iter().map(|s| s.seconds).sum::<f64>();
    let mut longest = plan
        .branches
        .iter()
        .map(|b| steps(b))
        .max_by(|a, b| sum(a).total_cmp(&sum(b)))
        .unwrap_or_default();
    longest.extend(steps(&plan.then));
    ReportCost {
        proofs: plan.proofs(),
        compressions: by_kind
            .iter()
            .map(|l| l.count * l.compressions_each as f64)
            .sum(),
        machine_hours: total_s / 3600.0,
        modelled_share: if total_s > 0.0 {
            modelled_s / total_s
        } else {
            0.0
        },
        latency_s: sum(&longest),
        longest_chain: longest,
        by_kind,
    }
}

fn ratio(new: f64, today: f64) -> Option<f64> {
    (today > 0.0).then(|| new / today)
}

fn ratios(new: &ReportCost, today: &ReportCost) -> Ratios {
    Ratios {
        proofs: ratio(new.proofs, today.proofs),
        compressions: ratio(new.compressions, today.compressions),
        machine_hours: ratio(new.machine_hours, today.machine_hours),
        latency_s: ratio(new.latency_s, today.latency_s),
    }
}

/// Estimates both designs' reports for `inputs` on `profile` (both checked first).
pub fn estimate(inputs: &Inputs, profile: &Profile) -> Result<Estimate, EstimateError> {
    inputs.validate()?;
    profile.validate()?;
    let today = model::today(inputs, &profile.sizes)?;
    let new = model::new_design(inputs, &profile.sizes)?;
    let slot_depth = inputs.slot_depth();
    let s = &profile.sizes;
    let designs = Designs {
        today: DesignCost {
            cold: price(&today.cold, profile, slot_depth),
            later: price(&today.later, profile, slot_depth),
        },
        new: DesignCost {
            cold: price(&new.cold, profile, slot_depth),
            later: price(&new.later, profile, slot_depth),
        },
    };
    let ratios = ReportRatios {
        cold: ratios(&designs.new.cold, &designs.today.cold),
        later: ratios(&designs.new.later, &designs.today.later),
    };
    let segments = inputs.validators.div_ceil(s.balance_size);
    let derived = Derived {
        scattered_changes: inputs.scattered()?,
        registry_ranges: segments * (s.balance_size / s.registry_size),
        segments,
        slot_depth,
        balance_slots: 1u64 << (slot_depth - s.pool_balance_size.trailing_zeros()),
        pool_members: inputs.pool_share * inputs.validators as f64,
    };
    let mut notes = Vec::new();
    if slot_depth > model::SLOT_DEPTH {
        notes.push(format!(
            "N = {} is above the new design's 2^24 slots: modelled with slot trees of depth {slot_depth}",
            inputs.validators
        ));
    }
    if let Some(q) = inputs.pending_deposits {
        notes.push(if s.state_depth < 6 {
            "pending deposits: a pre-Electra state has no queue, nothing to prove".to_string()
        } else {
            format!(
                "pending deposits: {q} queue entries in {} leaves of {}, re-proven every report (the queue shifts as it is processed), in a run tree of fixed depth {} (2^20 entries) padded with neutral runs, proven once; the final node that takes the queue's run is planned (docs/ARCHITECTURE.md §10): today's prover proves the leaves and the run tree",
                q.div_ceil(s.pending_size).max(1),
                s.pending_size,
                stakeproof_circuits::pending::aggregate::run_tree_depth(s.pending_size)
            )
        });
    }
    let mut used: Vec<&Line> = [&designs.today, &designs.new]
        .iter()
        .flat_map(|d| [&d.cold, &d.later])
        .flat_map(|r| &r.by_kind)
        .collect();
    used.sort_by_key(|l| l.kind);
    used.dedup_by_key(|l| l.kind);
    for l in used {
        if l.peak_gb.value > profile.memory_gb {
            notes.push(format!(
                "{} ({}{}): {} peak {:.1} GB is above this profile's {} GB",
                l.kind.key(),
                l.circuit,
                l.k.map(|k| format!(", k = {k}")).unwrap_or_default(),
                match l.peak_gb.source {
                    Source::Measured => "measured",
                    Source::Modelled => "modelled",
                },
                l.peak_gb.value,
                profile.memory_gb
            ));
        }
    }
    Ok(Estimate {
        model: MODEL,
        inputs: inputs.clone(),
        profile: profile.clone(),
        derived,
        designs,
        ratios,
        notes,
    })
}

/// Inputs or a profile the estimate refuses.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// Bad inputs.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A bad profile.
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mainnet() -> Estimate {
        estimate(&Inputs::default(), &Profile::builtin("24g").unwrap()).unwrap()
    }

    #[test]
    fn mainnet_figures_match_the_issue() {
        let e = mainnet();
        let t = &e.designs.today;
        assert_eq!(t.cold.proofs, 27_647.0);
        assert_eq!(t.cold.modelled_share, 0.0, "today's seconds are measured");
        let later = &t.later;
        assert!((14_100.0..14_300.0).contains(&later.proofs));
        // ≈ 12M registry + 1.2M balance compressions.
        assert!(
            (13.0e6..13.8e6).contains(&later.compressions),
            "{}",
            later.compressions
        );
        assert!(
            (930.0..980.0).contains(&later.machine_hours),
            "{}",
            later.machine_hours
        );
        let r = e.ratios.later.compressions.unwrap();
        assert!(r <= 1.0 / 8.0, "compressions drop at least 8×: {r}");
        assert_eq!(e.designs.new.later.modelled_share, 1.0);
        // Latency: registry leaf + wrap + 3 run pairs against balance leaf + wrap, then the
        // segment, 9 summary pairs and the final node.
        let expect = 407.0 + 188.0 + 3.0 * 214.0 + 225.0 + 9.0 * 230.0 + 312.0;
        assert!(
            (t.later.latency_s - expect).abs() < 1e-6,
            "{}",
            t.later.latency_s
        );
        // The 24g profile's boundary range (k = 20) is flagged as not fitting.
        assert!(
            e.notes.iter().any(|n| n.starts_with("boundary_leaf")),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn serializes_with_sources() {
        let v = serde_json::to_value(mainnet()).unwrap();
        assert_eq!(
            v["profile"]["costs"]["registry_leaf"]["seconds"]["source"],
            "measured"
        );
        assert_eq!(
            v["profile"]["costs"]["delta_leaf"]["seconds"]["source"],
            "modelled"
        );
        assert_eq!(v["designs"]["today"]["cold"]["proofs"], 27_647.0);
        assert_eq!(v["inputs"]["layout"], "runs");
        let line = &v["designs"]["new"]["later"]["by_kind"][0];
        assert_eq!(line["kind"], "delta_leaf");
        assert_eq!(line["compressions_each"], 4096);
    }
}
