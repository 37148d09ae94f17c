//! The Rust model of the oracle: what it stores and what each call must do.

#[allow(unused_imports)]
use super::*;

/// What the model knows about a stored report, recorded when it was accepted.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) report: Report,
    /// The verifier that checked it (the event's).
    pub(crate) verifier: Address,
    /// `verifierFor(slot)` read from the contract just before the submission.
    pub(crate) scheduled: Address,
    /// `maxChangeBpsPerDay` read from the contract just before the submission.
    pub(crate) bound: u64,
    pub(crate) root: B256,
    pub(crate) timestamp: u64,
    pub(crate) submitter: Address,
    pub(crate) accumulator: [U256; NUM_ACCUMULATOR_LIMBS],
    pub(crate) proof: Vec<u8>,
    /// The pending count and sum of a `submitPendingReport`.
    pub(crate) pending: Option<(u64, u128)>,
}

#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) v: Verifiers,
    pub(crate) owner: Address,
    pub(crate) paused: bool,
    pub(crate) bound: u64,
    /// Activation slot, verifier, and whether it is a pending-deposits verifier.
    pub(crate) schedule: Vec<(u64, Address, bool)>,
    pub(crate) reports: Vec<Stored>,
    /// The EIP-4788 ring buffer: index → (timestamp, root).
    pub(crate) roots: HashMap<u64, (u64, B256)>,
    pub(crate) published: Vec<u64>,
    pub(crate) now: u64,
    pub(crate) lsd_slot: u64,
    pub(crate) lsd_gwei: u128,
}

pub(crate) type Outcome = Result<(), String>;

pub(crate) fn err(name: &str) -> Outcome {
    Err(name.to_string())
}

impl Model {
    pub(crate) fn new(d: &Deployment, v: Verifiers) -> Self {
        Self {
            v,
            owner: d.config.owner,
            paused: false,
            bound: d.config.max_change_bps_per_day,
            schedule: vec![(0, v.a, false)],
            reports: Vec::new(),
            roots: HashMap::new(),
            published: Vec::new(),
            now: d.chain.timestamp(),
            lsd_slot: 0,
            lsd_gwei: 0,
        }
    }

    pub(crate) fn sender(&self, w: Who) -> Address {
        match w {
            Who::Owner => self.owner,
            Who::Idx(i) => SENDERS[i as usize % SENDERS.len()],
        }
    }

    pub(crate) fn latest(&self) -> Option<&Stored> {
        self.reports.last()
    }

    pub(crate) fn scheduled(&self, slot: u64) -> Address {
        self.entry(slot).0
    }

    /// The verifier scheduled for `slot` and whether it takes pending deposits.
    pub(crate) fn entry(&self, slot: u64) -> (Address, bool) {
        self.schedule
            .iter()
            .rev()
            .find(|(a, _, _)| *a <= slot)
            .map(|(_, v, p)| (*v, *p))
            .expect("an entry at slot 0")
    }

    pub(crate) fn root_at(&self, ts: U256) -> Option<B256> {
        let ts: u64 = ts.try_into().ok()?;
        match self.roots.get(&(ts % HISTORY)) {
            Some((t, r)) if *t == ts && ts != 0 => Some(*r),
            _ => None,
        }
    }

    pub(crate) fn resolve_slot(&self, p: SlotPick) -> u64 {
        let latest = self.latest().map_or(BASE_SLOT, |s| s.report.slot);
        match p {
            SlotPick::AfterLatest(d) => latest.saturating_add(d),
            SlotPick::Latest => latest,
            SlotPick::Stored(i) if !self.reports.is_empty() => {
                self.reports[i.index(self.reports.len())].report.slot
            }
            SlotPick::Stored(_) => BASE_SLOT,
            SlotPick::BeforeLatest(d) => latest.saturating_sub(d),
            SlotPick::NearActivation(i, o) => {
                let a = self.schedule[i.index(self.schedule.len())].0;
                a.saturating_add_signed(o as i64)
            }
            SlotPick::Any(s) => s,
            SlotPick::Max => u64::MAX,
        }
    }

    pub(crate) fn resolve_ts(&self, p: TsPick) -> U256 {
        let now = self.now;
        let t = match p {
            TsPick::Current => now,
            TsPick::Published(i) if !self.published.is_empty() => {
                self.published[i.index(self.published.len())]
            }
            TsPick::Published(_) => now,
            TsPick::OldestInWindow => self
                .published
                .iter()
                .copied()
                .find(|t| now - t < WINDOW_S)
                .unwrap_or(now),
            TsPick::JustOutside => now - WINDOW_S,
            TsPick::Future(k) => now + k,
            TsPick::BetweenBlocks => now - 5,
            TsPick::Zero => 0,
            TsPick::Huge => return U256::from(1u8) << 64 | U256::from(now),
        };
        U256::from(t)
    }

    /// Largest allowed change from the latest report to a report at `slot` (None: no bound).
    pub(crate) fn max_delta(&self, slot: u64, bound: u64) -> Option<U256> {
        let prev = self.latest()?;
        if prev.report.total_balance_gwei == 0 || slot <= prev.report.slot {
            return None;
        }
        Some(max_delta(&prev.report, slot, bound))
    }

    pub(crate) fn resolve_gwei(&self, p: GweiPick, slot: u64) -> u128 {
        let prev = self
            .latest()
            .map_or(2 * GWEI_32_ETH, |s| s.report.total_balance_gwei);
        let md = self
            .max_delta(slot, self.bound)
            .map_or(0u128, |m| m.saturating_to());
        let shift = |delta: u128, up: bool| {
            if up || prev < delta {
                prev.saturating_add(delta)
            } else {
                prev - delta
            }
        };
        match p {
            GweiPick::WithinBound(permille, up) => {
                let delta = U256::from(md) * U256::from(permille) / U256::from(1000u16);
                shift(delta.saturating_to(), up)
            }
            GweiPick::OverBound(k, up) => shift(md.saturating_add(1 + k as u128), up),
            GweiPick::Same => prev,
            GweiPick::Zero => 0,
            GweiPick::Any(g) => g,
        }
    }
}

pub(crate) fn max_delta(prev: &Report, slot: u64, bound: u64) -> U256 {
    let elapsed = U256::from(slot - prev.slot) * U256::from(12u8);
    U256::from(prev.total_balance_gwei) * U256::from(bound) * elapsed / U256::from(BPS * DAY_S)
}

/// The verifier's public inputs of a submission: 24, or 26 with its pending values.
pub(crate) fn inputs_for(
    r: &Report,
    root: B256,
    pool_exact: bool,
    pool_credentials: B256,
    acc: &[U256; NUM_ACCUMULATOR_LIMBS],
    pending: Option<(u64, u128)>,
) -> Vec<U256> {
    match pending {
        Some(p) => {
            calldata::pending_public_inputs(r, root, pool_exact, pool_credentials, p, acc).to_vec()
        }
        None => calldata::public_inputs(r, root, pool_exact, pool_credentials, acc).to_vec(),
    }
}

pub(crate) fn accumulator(seed: u64) -> [U256; NUM_ACCUMULATOR_LIMBS] {
    std::array::from_fn(|i| U256::from(seed.rotate_left(i as u32 * 5)) + U256::from(i))
}

pub(crate) fn beacon_root(ts: u64) -> B256 {
    keccak256([b"root".as_slice(), &ts.to_be_bytes()].concat())
}
