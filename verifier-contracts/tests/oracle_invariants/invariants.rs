//! The invariants checked after every step, on the contract's storage and views.

#[allow(unused_imports)]
use super::*;

impl Run<'_> {
    pub(crate) fn storage(&self, slot: U256) -> U256 {
        self.d.chain.storage(self.d.oracle, slot)
    }

    /// `_reportSlots` as stored (uint64s packed four to a word, from keccak256(slot)).
    pub(crate) fn raw_report_slots(&self) -> Vec<u64> {
        let len: usize = self.storage(U256::from(SLOT_REPORT_SLOTS)).saturating_to();
        let base =
            U256::from_be_bytes(keccak256(U256::from(SLOT_REPORT_SLOTS).to_be_bytes::<32>()).0);
        (0..len)
            .map(|i| {
                let w = self.storage(base + U256::from(i / 4));
                ((w >> (64 * (i % 4))) & U256::from(u64::MAX)).to::<u64>()
            })
            .collect()
    }

    /// The two raw words of `_reports[slot]` (a `StoredReport`: word 0 total ‖ validator
    /// count ‖ exited, word 1 slot ‖ registry length ‖ active ‖ slashed, low bits first).
    pub(crate) fn raw_report(&self, slot: u64) -> [U256; 2] {
        let key = [
            U256::from(slot).to_be_bytes::<32>(),
            U256::from(SLOT_REPORTS).to_be_bytes::<32>(),
        ]
        .concat();
        let base = U256::from_be_bytes(keccak256(key).0);
        [self.storage(base), self.storage(base + U256::from(1u8))]
    }

    /// What `raw_report` must hold for `r`.
    pub(crate) fn packed(r: &Report) -> [U256; 2] {
        let w0 = U256::from(r.total_balance_gwei)
            | (U256::from(r.validator_count) << 128)
            | (U256::from(r.exited_count) << 192);
        let w1 = U256::from(r.slot)
            | (U256::from(r.registry_length) << 64)
            | (U256::from(r.active_count) << 128)
            | (U256::from(r.slashed_count) << 192);
        [w0, w1]
    }

    pub(crate) fn report_at(&mut self, slot: u64) -> Result<Result<Report, String>, TestCaseError> {
        let oracle = self.d.oracle;
        match self.view(oracle, "reportAt(uint64)", &[word(U256::from(slot))]) {
            Ok(out) => Report::from_abi(&out)
                .map(Ok)
                .ok_or_else(|| TestCaseError::fail("bad reportAt output")),
            Err(e) => Ok(Err(e.revert_name().unwrap_or("not a revert").to_string())),
        }
    }

    pub(crate) fn check(&mut self) -> Result<(), TestCaseError> {
        let slots = self.raw_report_slots();
        let n = slots.len();
        // 1: no slot twice; 2: strictly increasing; each is flagged as stored.
        let mut seen = std::collections::HashSet::new();
        for &s in &slots {
            prop_assert!(seen.insert(s), "slot {} stored twice: {:?}", s, slots);
        }
        for pair in slots.windows(2) {
            prop_assert!(
                pair[0] < pair[1],
                "stored slots not increasing: {:?}",
                slots
            );
        }
        for &s in &slots {
            prop_assert_eq!(
                self.raw_report(s)[1] & U256::from(u64::MAX),
                U256::from(s),
                "slot {} listed but its record is not stored",
                s
            );
        }
        let model_slots: Vec<u64> = self.m.reports.iter().map(|s| s.report.slot).collect();
        prop_assert_eq!(&slots, &model_slots, "stored slots differ from the model");
        prop_assert_eq!(
            self.view_words("reportCount()", &[])?[0],
            U256::from(n),
            "reportCount"
        );

        // 3: each report within the bound in force when it was stored (relative to the report
        // before it, when that one's total is nonzero).
        let reports = self.m.reports.clone();
        for (i, s) in reports.iter().enumerate().skip(1) {
            let prev = &reports[i - 1].report;
            if prev.total_balance_gwei != 0 {
                let md = max_delta(prev, s.report.slot, s.bound);
                let delta = U256::from(
                    prev.total_balance_gwei
                        .abs_diff(s.report.total_balance_gwei),
                );
                prop_assert!(
                    delta <= md,
                    "report {:?} moved {} from {:?}, bound {} bps/day allows {}",
                    s.report,
                    delta,
                    prev,
                    s.bound,
                    md
                );
            }
        }

        // 4 and 5, per stored report.
        let cfg = self.d.config;
        for s in &reports {
            let slot = s.report.slot;
            let stored = self.report_at(slot)?;
            prop_assert_eq!(stored, Ok(s.report), "reportAt({})", slot);
            prop_assert_eq!(
                self.raw_report(slot),
                Self::packed(&s.report),
                "raw record of {}",
                slot
            );
            let has = self.view_words("hasReport(uint64)", &[word(U256::from(slot))])?[0];
            prop_assert_eq!(has, U256::from(1u8), "hasReport({})", slot);
            // The verifier used is the one scheduled for the slot, then and now, and it accepts
            // exactly this report, root, accumulator and proof.
            prop_assert_eq!(
                s.verifier,
                s.scheduled,
                "report at slot {} verified by {} but {} is scheduled for it",
                slot,
                s.verifier,
                s.scheduled
            );
            let now_for = self.view_words("verifierFor(uint64)", &[word(U256::from(slot))])?[0];
            prop_assert_eq!(
                Address::from_word(B256::from(now_for)),
                s.verifier,
                "verifierFor({}) changed after its report was stored",
                slot
            );
            prop_assert_eq!(s.root, beacon_root(s.timestamp), "root of {}", s.timestamp);
            let kind = self.m.v.kind(s.verifier);
            let inputs = inputs_for(
                &s.report,
                s.root,
                cfg.pool_exact,
                cfg.pool_credentials,
                &s.accumulator,
                s.pending,
            );
            // Its pending values, zero for a report without them.
            let p = self.view_words("pendingDepositsAt(uint64)", &[word(U256::from(slot))])?;
            let (count, amount) = s.pending.unwrap_or_default();
            prop_assert_eq!(
                p,
                vec![U256::from(count), U256::from(amount)],
                "pendingDepositsAt({})",
                slot
            );
            prop_assert!(
                kind.is_some_and(|k| accepts(k, &inputs, &s.proof)),
                "report {:?} stored through verifier {} ({:?}) which does not accept it \
                 (submitted by {})",
                s.report,
                s.verifier,
                kind,
                s.submitter
            );
            // Neighbouring slots without a report.
            for other in [slot.checked_sub(1), slot.checked_add(1)]
                .into_iter()
                .flatten()
            {
                if !model_slots.contains(&other) {
                    prop_assert_eq!(self.report_at(other)?, Err("NoReport".to_string()));
                    prop_assert_eq!(self.raw_report(other), [U256::ZERO; 2]);
                    let has = self.view_words("hasReport(uint64)", &[word(U256::from(other))])?[0];
                    prop_assert_eq!(has, U256::ZERO, "hasReport({})", other);
                    let oracle = self.d.oracle;
                    let p = self.view(
                        oracle,
                        "pendingDepositsAt(uint64)",
                        &[word(U256::from(other))],
                    );
                    prop_assert_eq!(
                        p.err().and_then(|e| e.revert_name().map(str::to_string)),
                        Some("NoReport".to_string()),
                        "pendingDepositsAt({})",
                        other
                    );
                }
            }
        }
        // 4, schedule side: the verifier the model schedules for each stored slot is the one
        // that verified it (the model's schedule is the contract's, entry by entry).
        for s in &reports {
            prop_assert_eq!(self.m.scheduled(s.report.slot), s.verifier);
        }
        let count: usize = self.view_words("verifierCount()", &[])?[0].saturating_to();
        prop_assert_eq!(count, self.m.schedule.len(), "verifierCount");
        for (i, (act, v, pending)) in self.m.schedule.clone().into_iter().enumerate() {
            let e = self.view_words("verifierAt(uint256)", &[word(U256::from(i))])?;
            prop_assert_eq!(e[0], U256::from(act), "verifierAt({}).activationSlot", i);
            prop_assert_eq!(
                e[1],
                calldata::address_word(v),
                "verifierAt({}).verifier",
                i
            );
            prop_assert_eq!(e[2], U256::ZERO, "verifierAt({}).anchored", i);
            prop_assert_eq!(e[3], U256::from(pending), "verifierAt({}).pending", i);
            for probe in [act.checked_sub(1), Some(act)].into_iter().flatten() {
                let got = self.view_words("verifierFor(uint64)", &[word(U256::from(probe))])?[0];
                prop_assert_eq!(got, calldata::address_word(self.m.scheduled(probe)));
            }
        }
        prop_assert_eq!(self.m.schedule[0].0, 0, "no verifier from slot 0");

        // 5: latestReport and getReport.
        let oracle = self.d.oracle;
        let latest = self.view(oracle, "latestReport()", &[]);
        match (reports.last(), latest) {
            (None, Err(e)) => prop_assert_eq!(e.revert_name(), Some("NoReport")),
            (Some(s), Ok(out)) => prop_assert_eq!(Report::from_abi(&out), Some(s.report)),
            (want, got) => prop_assert!(false, "latestReport: want {:?}, got {:?}", want, got),
        }
        match (
            reports.last(),
            self.view(oracle, "latestPendingDeposits()", &[]),
        ) {
            (None, Err(e)) => prop_assert_eq!(e.revert_name(), Some("NoReport")),
            (Some(s), Ok(out)) => {
                let (count, amount) = s.pending.unwrap_or_default();
                prop_assert_eq!(
                    calldata::decode_words(&out),
                    vec![
                        U256::from(s.report.slot),
                        U256::from(count),
                        U256::from(amount)
                    ]
                );
            }
            (want, got) => prop_assert!(
                false,
                "latestPendingDeposits: want {:?}, got {:?}",
                want.map(|s| s.pending),
                got
            ),
        }
        let mut refs: Vec<U256> = vec![U256::ZERO, U256::from(u64::MAX), U256::MAX];
        for &s in &slots {
            refs.extend(
                [s.checked_sub(1), Some(s), s.checked_add(1)]
                    .into_iter()
                    .flatten()
                    .map(U256::from),
            );
        }
        for r in refs {
            let w = self.view_words("getReport(uint256)", &[word(r)])?;
            let want = reports
                .iter()
                .rev()
                .find(|s| U256::from(s.report.slot) <= r);
            let expect = match want {
                None => vec![U256::ZERO; 5],
                Some(s) => vec![
                    U256::from(1u8),
                    U256::from(s.report.total_balance_gwei),
                    U256::ZERO,
                    U256::from(s.report.validator_count),
                    U256::from(s.report.exited_count),
                ],
            };
            prop_assert_eq!(w, expect, "getReport({})", r);
        }

        // 5: owner, paused and bound (views and raw storage).
        let w0 = self.storage(U256::from(SLOT_OWNER_PAUSED_BOUND));
        prop_assert_eq!(
            w0 & ((U256::from(1u8) << 160) - U256::from(1u8)),
            calldata::address_word(self.m.owner)
        );
        prop_assert_eq!(
            (w0 >> 160) & U256::from(0xffu8),
            U256::from(self.m.paused as u8)
        );
        prop_assert_eq!(
            self.view_words("owner()", &[])?[0],
            calldata::address_word(self.m.owner)
        );
        prop_assert_eq!(
            self.view_words("paused()", &[])?[0],
            U256::from(self.m.paused as u8)
        );
        prop_assert_eq!(w0 >> 168, U256::from(self.m.bound), "raw bound");
        prop_assert_eq!(
            self.view_words("maxChangeBpsPerDay()", &[])?[0],
            U256::from(self.m.bound)
        );

        // 5: the LSD holds the report it last synced.
        let lsd = self.d.lsd;
        let synced = calldata::decode_words(&self.view(lsd, "lastSyncedSlot()", &[]).unwrap())[0];
        let gwei = calldata::decode_words(&self.view(lsd, "clBalanceGwei()", &[]).unwrap())[0];
        prop_assert_eq!(synced, U256::from(self.m.lsd_slot));
        prop_assert_eq!(gwei, U256::from(self.m.lsd_gwei));
        Ok(())
    }
}
