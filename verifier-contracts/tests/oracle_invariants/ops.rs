//! The operations a sequence is made of, and their proptest strategies.

#[allow(unused_imports)]
use super::*;

/// A sender: the current owner, or one of [`SENDERS`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Who {
    Owner,
    Idx(u8),
}

/// A slot, resolved against the state when the step runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SlotPick {
    /// Latest stored slot (or BASE_SLOT) plus this many.
    AfterLatest(u64),
    /// Exactly the latest stored slot.
    Latest,
    /// One of the stored slots.
    Stored(Index),
    /// Latest stored slot (or BASE_SLOT) minus this many.
    BeforeLatest(u64),
    /// A scheduled activation slot plus -1, 0 or +1.
    NearActivation(Index, i8),
    /// Any slot.
    Any(u64),
    /// u64::MAX.
    Max,
}

/// A total balance, resolved against the previous report and the bound.
#[derive(Clone, Copy, Debug)]
pub(crate) enum GweiPick {
    /// previous ± (permille of the largest allowed change).
    WithinBound(u16, bool),
    /// previous ± (largest allowed change + 1 + k).
    OverBound(u8, bool),
    Same,
    Zero,
    Any(u128),
}

/// The `timestamp` argument.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TsPick {
    /// The current block's timestamp.
    Current,
    /// One of the timestamps a root was written under (maybe overwritten or out of window).
    Published(Index),
    /// The oldest published timestamp still inside the window.
    OldestInWindow,
    /// now − 8191·12: just outside the window.
    JustOutside,
    /// now + k (the future).
    Future(u64),
    /// A past timestamp between blocks (no root).
    BetweenBlocks,
    Zero,
    /// A timestamp above 2^64.
    Huge,
}

/// The proof bytes.
#[derive(Clone, Debug)]
pub(crate) enum ProofPick {
    /// Valid for the verifier the model schedules for the slot (for A if that one is not a
    /// binding verifier).
    ForScheduled,
    /// Valid for verifier A or B (`true`: B) with the right inputs.
    ForTag(bool),
    /// Bound to another block root.
    WrongRoot,
    /// Bound to another total balance.
    WrongReport,
    /// Bound to other accumulator limbs.
    WrongAccumulator,
    /// Raw bytes.
    Garbage(Vec<u8>),
}

/// Which entry point a submission takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PendingPick {
    /// The one the verifier scheduled for the slot takes (these values for a pending one).
    Follow(u64, u128),
    /// `submitReport`.
    Plain,
    /// `submitPendingReport` with this count and sum.
    Pending(u64, u128),
}

/// A submission, its values resolved against the model when it runs.
#[derive(Clone, Debug)]
pub(crate) struct Submission {
    pub(crate) from: Who,
    pub(crate) slot: SlotPick,
    pub(crate) gwei: GweiPick,
    pub(crate) ts: TsPick,
    pub(crate) proof: ProofPick,
    /// Registry length, validator, active, exited and slashed counts.
    pub(crate) fields: [u64; 5],
    pub(crate) acc_seed: u64,
    /// `submitReport` or `submitPendingReport`.
    pub(crate) pending: PendingPick,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Submit(Submission),
    Pause(Who),
    Unpause(Who),
    Schedule {
        from: Who,
        verifier: u8,
        activation: SlotPick,
        /// `schedulePendingVerifier`, else `scheduleVerifier`.
        pending: bool,
    },
    SetBound {
        from: Who,
        bps: u64,
    },
    TransferOwnership {
        from: Who,
        to: u8,
    },
    /// Moves `blocks` blocks (12 s each) ahead; writes the new block's root when `publish`.
    Advance {
        blocks: u64,
        publish: bool,
    },
    LsdSync,
}

pub(crate) fn who() -> impl Strategy<Value = Who> {
    prop_oneof![3 => Just(Who::Owner), 1 => (0u8..4).prop_map(Who::Idx)]
}

pub(crate) fn slot_pick() -> impl Strategy<Value = SlotPick> {
    prop_oneof![
        10 => prop_oneof![1u64..=4, 1u64..=3 * 7200].prop_map(SlotPick::AfterLatest),
        1 => Just(SlotPick::Latest),
        1 => any::<Index>().prop_map(SlotPick::Stored),
        1 => (1u64..=100).prop_map(SlotPick::BeforeLatest),
        3 => (any::<Index>(), -1i8..=1).prop_map(|(i, o)| SlotPick::NearActivation(i, o)),
        1 => any::<u64>().prop_map(SlotPick::Any),
        1 => Just(SlotPick::Max),
    ]
}

pub(crate) fn gwei_pick() -> impl Strategy<Value = GweiPick> {
    prop_oneof![
        8 => (0u16..=1000, any::<bool>()).prop_map(|(p, up)| GweiPick::WithinBound(p, up)),
        2 => (0u8..3, any::<bool>()).prop_map(|(k, up)| GweiPick::OverBound(k, up)),
        1 => Just(GweiPick::Same),
        1 => Just(GweiPick::Zero),
        1 => any::<u128>().prop_map(GweiPick::Any),
    ]
}

pub(crate) fn ts_pick() -> impl Strategy<Value = TsPick> {
    prop_oneof![
        16 => Just(TsPick::Current),
        3 => any::<Index>().prop_map(TsPick::Published),
        1 => Just(TsPick::OldestInWindow),
        1 => Just(TsPick::JustOutside),
        1 => (1u64..100).prop_map(TsPick::Future),
        1 => Just(TsPick::BetweenBlocks),
        1 => Just(TsPick::Zero),
        1 => Just(TsPick::Huge),
    ]
}

pub(crate) fn proof_pick() -> impl Strategy<Value = ProofPick> {
    prop_oneof![
        12 => Just(ProofPick::ForScheduled),
        2 => any::<bool>().prop_map(ProofPick::ForTag),
        1 => Just(ProofPick::WrongRoot),
        1 => Just(ProofPick::WrongReport),
        1 => Just(ProofPick::WrongAccumulator),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(ProofPick::Garbage),
    ]
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    let submit = (
        prop_oneof![Just(Who::Idx(1)), who()],
        slot_pick(),
        gwei_pick(),
        ts_pick(),
        proof_pick(),
        any::<[u64; 5]>(),
        any::<u64>(),
        prop_oneof![
            6 => (any::<u64>(), any::<u128>()).prop_map(|(c, g)| PendingPick::Follow(c, g)),
            2 => Just(PendingPick::Plain),
            2 => (any::<u64>(), any::<u128>()).prop_map(|(c, g)| PendingPick::Pending(c, g)),
        ],
    )
        .prop_map(|(from, slot, gwei, ts, proof, fields, acc_seed, pending)| {
            Op::Submit(Submission {
                from,
                slot,
                gwei,
                ts,
                proof,
                fields,
                acc_seed,
                pending,
            })
        });
    // A pending schedule names P (the verifier of 26 inputs) more often than not.
    let schedule = (
        who(),
        0u8..6,
        slot_pick(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.6),
    )
        .prop_map(|(from, verifier, activation, pending, p)| Op::Schedule {
            from,
            verifier: if pending && p { 5 } else { verifier },
            activation,
            pending,
        });
    let bps = prop_oneof![
        4 => 0u64..=2_000,
        1 => 0u64..=MAX_BOUND,
        1 => Just(MAX_BOUND),
        1 => MAX_BOUND + 1..=u64::MAX,
    ];
    let advance = (
        prop_oneof![
            8 => 1u64..=4,
            1 => 100u64..=2_000,
            1 => HISTORY - 2..=HISTORY + 1,
        ],
        prop::bool::weighted(0.9),
    )
        .prop_map(|(blocks, publish)| Op::Advance { blocks, publish });
    prop_oneof![
        12 => submit,
        1 => who().prop_map(Op::Pause),
        3 => who().prop_map(Op::Unpause),
        3 => schedule,
        2 => (who(), bps).prop_map(|(from, bps)| Op::SetBound { from, bps }),
        1 => (who(), 0u8..5).prop_map(|(from, to)| Op::TransferOwnership { from, to }),
        5 => advance,
        1 => Just(Op::LsdSync),
    ]
}
