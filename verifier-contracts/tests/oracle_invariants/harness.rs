//! One step of a sequence run on the contract and the model side by side.

#[allow(unused_imports)]
use super::*;

pub(crate) struct Run<'a> {
    pub(crate) d: Deployment,
    pub(crate) m: Model,
    pub(crate) stats: &'a RefCell<BTreeMap<String, usize>>,
    /// Whether each outcome must be the model's. Without it (for mutants) only the invariants
    /// on the contract's state are checked; the model follows what the contract did.
    pub(crate) strict: bool,
}

pub(crate) fn outcome(r: &Result<stakeproof_contracts::Receipt, TxError>) -> Outcome {
    match r {
        Ok(_) => Ok(()),
        Err(TxError::Revert { name, .. }) => Err(name.clone()),
        Err(e) => Err(format!("not a revert: {e}")),
    }
}

pub(crate) fn word(w: U256) -> Token {
    Token::Word(w)
}

impl Run<'_> {
    pub(crate) fn expect(
        &self,
        got: &Outcome,
        expected: &Outcome,
        what: impl FnOnce() -> String,
    ) -> Result<(), TestCaseError> {
        if self.strict && got != expected {
            return Err(TestCaseError::fail(format!(
                "{}: contract {got:?}, model {expected:?}",
                what()
            )));
        }
        Ok(())
    }

    pub(crate) fn note(&self, what: &str, o: &Outcome) {
        let key = match o {
            Ok(()) => format!("{what}: ok"),
            Err(e) => format!("{what}: {e}"),
        };
        *self.stats.borrow_mut().entry(key).or_default() += 1;
    }

    pub(crate) fn owner_call(&mut self, from: Address, sig: &str, args: &[Token]) -> Outcome {
        let oracle = self.d.oracle;
        outcome(
            &self
                .d
                .chain
                .call(from, oracle, calldata::call(sig, args), U256::ZERO),
        )
    }

    pub(crate) fn view(
        &mut self,
        to: Address,
        sig: &str,
        args: &[Token],
    ) -> Result<Vec<u8>, TxError> {
        self.d.chain.view(to, calldata::call(sig, args))
    }

    pub(crate) fn view_words(
        &mut self,
        sig: &str,
        args: &[Token],
    ) -> Result<Vec<U256>, TestCaseError> {
        let oracle = self.d.oracle;
        self.view(oracle, sig, args)
            .map(|o| calldata::decode_words(&o))
            .map_err(|e| TestCaseError::fail(format!("{sig} failed: {e}")))
    }

    pub(crate) fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Submit(s) => self.submit(s),
            Op::Pause(w) | Op::Unpause(w) => {
                let pause = matches!(op, Op::Pause(_));
                let from = self.m.sender(*w);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else {
                    Ok(())
                };
                let sig = if pause { "pause()" } else { "unpause()" };
                let got = self.owner_call(from, sig, &[]);
                self.note(sig, &got);
                self.expect(&got, &expected, || format!("{sig} from {from}"))?;
                if got.is_ok() {
                    self.m.paused = pause;
                }
                Ok(())
            }
            Op::Schedule {
                from,
                verifier,
                activation,
                pending,
            } => {
                let from = self.m.sender(*from);
                let v = self.m.v.pick(*verifier);
                let act = self.m.resolve_slot(*activation);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if self.m.v.kind(v).is_none() {
                    err("NoCode")
                } else if self.m.latest().is_some_and(|l| act <= l.report.slot) {
                    err("ActivationNotInFuture")
                } else {
                    Ok(())
                };
                let sig = if *pending {
                    "schedulePendingVerifier(address,uint64)"
                } else {
                    "scheduleVerifier(address,uint64)"
                };
                let got = self.owner_call(
                    from,
                    sig,
                    &[word(calldata::address_word(v)), word(U256::from(act))],
                );
                self.note(&sig[..sig.find('(').expect("a signature")], &got);
                self.expect(&got, &expected, || {
                    format!("{sig}: {v} at {act} from {from}")
                })?;
                if got.is_ok() {
                    self.m.schedule.retain(|(a, _, _)| *a < act);
                    self.m.schedule.push((act, v, *pending));
                }
                Ok(())
            }
            Op::SetBound { from, bps } => {
                let from = self.m.sender(*from);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if *bps > MAX_BOUND {
                    err("BoundTooLarge")
                } else {
                    Ok(())
                };
                let got = self.owner_call(
                    from,
                    "setMaxChangeBpsPerDay(uint256)",
                    &[word(U256::from(*bps))],
                );
                self.note("setMaxChangeBpsPerDay", &got);
                self.expect(&got, &expected, || format!("bound {bps} from {from}"))?;
                if got.is_ok() {
                    self.m.bound = *bps;
                }
                Ok(())
            }
            Op::TransferOwnership { from, to } => {
                let from = self.m.sender(*from);
                let to = SENDERS.get(*to as usize).copied().unwrap_or(Address::ZERO);
                let expected = if from != self.m.owner {
                    err("NotOwner")
                } else if to == Address::ZERO {
                    err("ZeroAddress")
                } else {
                    Ok(())
                };
                let got = self.owner_call(
                    from,
                    "transferOwnership(address)",
                    &[word(calldata::address_word(to))],
                );
                self.note("transferOwnership", &got);
                self.expect(&got, &expected, || format!("transfer to {to} from {from}"))?;
                if got.is_ok() {
                    self.m.owner = to;
                }
                Ok(())
            }
            Op::Advance { blocks, publish } => {
                self.d.chain.advance_blocks(*blocks);
                self.m.now = self.d.chain.timestamp();
                if *publish {
                    self.publish();
                }
                Ok(())
            }
            Op::LsdSync => {
                let expected = match self.m.latest() {
                    None => err("NoReport"),
                    Some(l) if self.m.lsd_slot != 0 && l.report.slot <= self.m.lsd_slot => {
                        err("NothingToSync")
                    }
                    Some(_) => Ok(()),
                };
                let got = outcome(&self.d.lsd_sync());
                self.note("lsd sync", &got);
                self.expect(&got, &expected, || "LSD sync".to_string())?;
                if got.is_ok() {
                    let l = &self.m.latest().expect("a report").report;
                    (self.m.lsd_slot, self.m.lsd_gwei) = (l.slot, l.total_balance_gwei);
                }
                Ok(())
            }
        }
    }

    /// Writes the current block's root, as a client does at the start of the block.
    pub(crate) fn publish(&mut self) {
        let ts = self.m.now;
        let root = beacon_root(ts);
        self.d.write_beacon_root(ts, root).expect("system call");
        self.m.roots.insert(ts % HISTORY, (ts, root));
        self.m.published.push(ts);
    }

    pub(crate) fn submit(&mut self, s: &Submission) -> Result<(), TestCaseError> {
        let Submission {
            from,
            slot,
            gwei,
            ts,
            ref proof,
            ref fields,
            acc_seed,
            pending,
        } = *s;
        let m = &self.m;
        let from = m.sender(from);
        let slot = m.resolve_slot(slot);
        let report = Report {
            slot,
            registry_length: fields[0],
            validator_count: fields[1],
            total_balance_gwei: m.resolve_gwei(gwei, slot),
            active_count: fields[2],
            exited_count: fields[3],
            slashed_count: fields[4],
        };
        let ts = m.resolve_ts(ts);
        let acc = accumulator(acc_seed);
        let root = m.root_at(ts);
        let (scheduled, scheduled_pending) = m.entry(slot);
        let pending = match pending {
            PendingPick::Follow(c, g) => scheduled_pending.then_some((c, g)),
            PendingPick::Plain => None,
            PendingPick::Pending(c, g) => Some((c, g)),
        };
        let cfg = self.d.config;
        let inputs_of = |r: &Report, root: B256, acc: &[U256; NUM_ACCUMULATOR_LIMBS]| {
            inputs_for(r, root, cfg.pool_exact, cfg.pool_credentials, acc, pending)
        };
        let root_or_zero = root.unwrap_or_default();
        let inputs = inputs_of(&report, root_or_zero, &acc);
        let proof = match proof {
            ProofPick::ForScheduled => match m.v.kind(scheduled) {
                Some(Kind::Binding(tag, _)) => bind(tag, &inputs),
                _ => bind(TAG_A, &inputs),
            },
            ProofPick::ForTag(b) => bind(if *b { TAG_B } else { TAG_A }, &inputs),
            ProofPick::WrongRoot => {
                let mut other = root_or_zero;
                other.0[31] ^= 1;
                bind(TAG_A, &inputs_of(&report, other, &acc))
            }
            ProofPick::WrongReport => {
                let mut other = report;
                other.total_balance_gwei ^= 1;
                bind(TAG_A, &inputs_of(&other, root_or_zero, &acc))
            }
            ProofPick::WrongAccumulator => {
                let mut other = acc;
                other[0] += U256::from(1u8);
                bind(TAG_A, &inputs_of(&report, root_or_zero, &other))
            }
            ProofPick::Garbage(bytes) => bytes.clone(),
        };

        // The contract's checks, in its order.
        let now = U256::from(m.now);
        let expected = if m.paused {
            err("OraclePaused")
        } else if ts > now || now - ts >= U256::from(WINDOW_S) {
            err("TimestampOutOfWindow")
        } else if root.is_none() {
            err("BeaconRootUnavailable")
        } else if m.reports.iter().any(|s| s.report.slot == slot) {
            err("ReportAlreadySubmitted")
        } else if m.latest().is_some_and(|l| slot <= l.report.slot) {
            err("SlotNotAfterLatest")
        } else if m.max_delta(slot, m.bound).is_some_and(|md| {
            let prev = m.latest().expect("a report").report.total_balance_gwei;
            U256::from(prev.abs_diff(report.total_balance_gwei)) > md
        }) {
            err("BalanceChangeTooLarge")
        } else if scheduled_pending && pending.is_none() {
            err("VerifierNeedsPendingDeposits")
        } else if !scheduled_pending && pending.is_some() {
            err("VerifierTakesNoPendingDeposits")
        } else if !accepts(
            m.v.kind(scheduled).expect("scheduled verifiers have code"),
            &inputs,
            &proof,
        ) {
            err("ProofRejected")
        } else {
            Ok(())
        };

        // The bound in force, read from the contract (not the model) before the submission.
        let bound_before: u64 = self.view_words("maxChangeBpsPerDay()", &[])?[0].saturating_to();
        let scheduled_before =
            self.view_words("verifierFor(uint64)", &[word(U256::from(slot))])?[0];
        let count_before = self.view_words("reportCount()", &[])?[0];
        let mut tokens: Vec<Token> = report.to_words().into_iter().map(word).collect();
        tokens.push(word(ts));
        if let Some((count, amount)) = pending {
            tokens.extend([word(U256::from(count)), word(U256::from(amount))]);
        }
        tokens.extend(acc.iter().copied().map(word));
        tokens.push(Token::Bytes(proof.clone()));
        let oracle = self.d.oracle;
        let (sig, name) = match pending {
            Some(_) => (SUBMIT_PENDING_REPORT_SIGNATURE, "submitPendingReport"),
            None => (SUBMIT_REPORT_SIGNATURE, "submitReport"),
        };
        let result = self
            .d
            .chain
            .call(from, oracle, calldata::call(sig, &tokens), U256::ZERO);
        let got = outcome(&result);
        self.note(name, &got);
        if got.as_ref().is_err_and(|e| e == "ProofRejected") {
            let by = format!("ProofRejected by {:?}", self.m.v.kind(scheduled));
            self.note(&by, &Ok(()));
        }
        let now = self.m.now;
        self.expect(&got, &expected, || {
            format!("submit {report:?} at ts {ts} (now {now})")
        })?;
        let count_after = self.view_words("reportCount()", &[])?[0];
        let Ok(receipt) = result else {
            prop_assert_eq!(
                count_after,
                count_before,
                "a failed submission stored something"
            );
            return Ok(());
        };
        prop_assert_eq!(count_after, count_before + U256::from(1u8));

        // The event names the slot, root, timestamp, verifier and submitter.
        let events: Vec<_> = receipt
            .events_named("ReportSubmitted(uint64,uint128,uint64,bytes32,uint256,address,address)")
            .collect();
        prop_assert_eq!(events.len(), 1);
        prop_assert_eq!(events[0].topics[1], B256::from(U256::from(slot)));
        let w = calldata::decode_words(&events[0].data);
        let event_root = B256::from(w[2]);
        if self.strict {
            prop_assert_eq!(Some(event_root), root, "root of the event");
        }
        let root = event_root;
        prop_assert_eq!(w[0], U256::from(report.total_balance_gwei));
        prop_assert_eq!(w[1], U256::from(report.validator_count));
        prop_assert_eq!(w[3], ts);
        let used = Address::from_word(B256::from(w[4]));
        prop_assert_eq!(w[5], calldata::address_word(from));
        let via = format!("stored through {:?}", self.m.v.kind(used));
        self.note(&via, &Ok(()));
        self.m.reports.push(Stored {
            report,
            verifier: used,
            scheduled: Address::from_word(B256::from(scheduled_before)),
            bound: bound_before,
            root,
            timestamp: ts.saturating_to(),
            submitter: from,
            accumulator: acc,
            proof,
            pending,
        });
        // The pending values are stored beside the report, and announced with its slot.
        let recorded: Vec<_> = receipt
            .events_named("PendingDepositsRecorded(uint64,uint64,uint128)")
            .collect();
        prop_assert_eq!(
            recorded.len(),
            usize::from(pending.is_some()),
            "PendingDepositsRecorded events"
        );
        if let (Some((count, amount)), Some(e)) = (pending, recorded.first()) {
            prop_assert_eq!(e.topics[1], B256::from(U256::from(slot)));
            prop_assert_eq!(
                calldata::decode_words(&e.data),
                vec![U256::from(count), U256::from(amount)],
                "PendingDepositsRecorded values"
            );
        }
        Ok(())
    }
}
