//! A small coverage-free mutation engine: seeded, deterministic for a given seed and corpus,
//! bounded by a time budget and an execution count.
//!
//! Each execution takes a corpus entry (or a splice of two), applies a few mutations that are
//! known to reach the bugs of binary and text decoders (bit flips, boundary integers written
//! over length and offset fields, chunk duplication and removal, ASCII digits runs), and runs
//! the target under `catch_unwind`. A panic is a finding: the input and the panic message are
//! kept. Targets report their own "clear error" results as `Ok`; only panics count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Integers that sit on the edges of every width a decoder reads.
const INTERESTING_U64: [u64; 14] = [
    0,
    1,
    2,
    31,
    32,
    255,
    256,
    65_535,
    1 << 31,
    u32::MAX as u64,
    1 << 40,
    (1 << 40) + 1,
    1 << 63,
    u64::MAX,
];

/// Decimal strings that stress numeric parsers and limit arithmetic.
const INTERESTING_TEXT: [&str; 10] = [
    "0",
    "1",
    "12",
    "1099511627776",
    "1099511627777",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "0x",
    "-1",
];

/// One panic found by a run.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The input that panicked.
    pub input: Vec<u8>,
    /// The panic message.
    pub message: String,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Executions of the target.
    pub executions: u64,
    /// Distinct panics (by message), with the first input that caused each.
    pub findings: Vec<Finding>,
    /// Wall time spent.
    pub seconds: f64,
}

/// Bounds of a run.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Stop after this long.
    pub time: Duration,
    /// Stop after this many executions.
    pub max_executions: u64,
    /// Largest input handed to the target.
    pub max_len: usize,
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// Mutates `data` in place with 1–4 random operations.
pub fn mutate(data: &mut Vec<u8>, other: &[u8], rng: &mut ChaCha8Rng, max_len: usize) {
    for _ in 0..rng.gen_range(1..=4) {
        let len = data.len();
        match rng.gen_range(0..9) {
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.gen_range(0..len);
                data[i] = rng.gen();
            }
            2 if len >= 8 => {
                // A boundary integer over a 4- or 8-byte field (offsets, lengths, slots).
                let v = INTERESTING_U64[rng.gen_range(0..INTERESTING_U64.len())];
                let w = if rng.gen_bool(0.5) { 4 } else { 8 };
                let i = rng.gen_range(0..=len - w);
                data[i..i + w].copy_from_slice(&v.to_le_bytes()[..w]);
            }
            3 if len > 1 => {
                // Remove a chunk.
                let a = rng.gen_range(0..len);
                let b = (a + rng.gen_range(1..=64.min(len - a))).min(len);
                data.drain(a..b);
            }
            4 if len > 0 && len < max_len => {
                // Duplicate a chunk.
                let a = rng.gen_range(0..len);
                let b = (a + rng.gen_range(1..=64.min(len - a))).min(len);
                let chunk = data[a..b].to_vec();
                let at = rng.gen_range(0..=len);
                data.splice(at..at, chunk);
            }
            5 if !other.is_empty() => {
                // Splice: our prefix, the other input's suffix.
                let a = rng.gen_range(0..=len);
                let b = rng.gen_range(0..other.len());
                data.truncate(a);
                data.extend_from_slice(&other[b..]);
            }
            6 => {
                // A decimal or hex token over an ASCII number (text formats).
                let t = INTERESTING_TEXT[rng.gen_range(0..INTERESTING_TEXT.len())].as_bytes();
                let digits: Vec<usize> = (0..len).filter(|&i| data[i].is_ascii_digit()).collect();
                if let Some(&start) = digits.get(rng.gen_range(0..digits.len().max(1))) {
                    let mut end = start;
                    while end < len && data[end].is_ascii_hexdigit() {
                        end += 1;
                    }
                    data.splice(start..end, t.iter().copied());
                } else {
                    data.extend_from_slice(t);
                }
            }
            7 if len > 0 => data.truncate(rng.gen_range(0..len)),
            _ => {
                let at = rng.gen_range(0..=len);
                data.insert(at, rng.gen());
            }
        }
    }
    data.truncate(max_len);
}

/// Runs `target` over mutations of `corpus` until the budget is spent.
pub fn run(target: fn(&[u8]), corpus: &[Vec<u8>], seed: u64, budget: Budget) -> RunReport {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Instant::now();
    let mut report = RunReport::default();
    let empty = vec![Vec::new()];
    let corpus = if corpus.is_empty() { &empty } else { corpus };
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    // The corpus as it is first, then mutations.
    let mut queue: Vec<Vec<u8>> = corpus.to_vec();
    while report.executions < budget.max_executions && start.elapsed() < budget.time {
        let input = match queue.pop() {
            Some(i) => i,
            None => {
                let mut d = corpus[rng.gen_range(0..corpus.len())].clone();
                let other = &corpus[rng.gen_range(0..corpus.len())];
                mutate(&mut d, other, &mut rng, budget.max_len);
                d
            }
        };
        report.executions += 1;
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| target(&input))) {
            let message = panic_message(p.as_ref());
            if !report.findings.iter().any(|f| f.message == message) {
                report.findings.push(Finding { input, message });
            }
        }
    }
    panic::set_hook(hook);
    report.seconds = start.elapsed().as_secs_f64();
    report
}
