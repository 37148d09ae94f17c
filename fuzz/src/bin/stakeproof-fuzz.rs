//! `stakeproof-fuzz [TARGET|all] [--seconds N] [--seed S] [--max-len BYTES] [--findings DIR]`:
//! runs targets over the kept corpus for a time budget and prints one JSON line per target
//! (executions, seconds, findings). Exit code 1 when a target panicked (findings are saved
//! under `--findings`, default `fuzz/findings/<target>/`), 2 on a usage error.

use stakeproof_fuzz::{corpus, engine, targets};
use std::time::Duration;

fn usage(msg: &str) -> ! {
    eprintln!("error: {msg}");
    eprintln!("usage: stakeproof-fuzz [TARGET|all] [--seconds N] [--seed S] [--max-len BYTES] [--findings DIR]");
    eprintln!(
        "targets: {}",
        targets::TARGETS
            .iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut which = "all".to_string();
    let (mut seconds, mut seed, mut max_len) = (60u64, 1u64, 1usize << 20);
    let mut findings_dir = corpus::root()
        .parent()
        .map(|p| p.join("findings"))
        .unwrap_or_default();
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} takes a non-negative integer")))
        };
        match a.as_str() {
            "--seconds" => seconds = num("--seconds"),
            "--seed" => seed = num("--seed"),
            "--max-len" => {
                max_len = usize::try_from(num("--max-len"))
                    .unwrap_or_else(|_| usage("--max-len too large"))
            }
            "--findings" => {
                findings_dir = args
                    .next()
                    .map(Into::into)
                    .unwrap_or_else(|| usage("--findings takes a directory"))
            }
            t if !t.starts_with('-') => which = t.to_string(),
            other => usage(&format!("unknown option {other}")),
        }
    }
    let chosen: Vec<_> = if which == "all" {
        targets::TARGETS.iter().collect()
    } else {
        vec![targets::by_name(&which).unwrap_or_else(|| usage(&format!("no target {which:?}")))]
    };
    let mut failed = false;
    for t in chosen {
        let seeds = corpus::load(t.name).unwrap_or_else(|e| {
            eprintln!("error: cannot read the corpus of {}: {e}", t.name);
            std::process::exit(2)
        });
        let budget = engine::Budget {
            time: Duration::from_secs(seconds),
            max_executions: u64::MAX,
            max_len,
        };
        let r = engine::run(t.run, &seeds, seed, budget);
        let mut saved = Vec::new();
        for f in &r.findings {
            failed = true;
            let dir = findings_dir.join(t.name);
            match corpus::save(&dir, &f.input) {
                Ok(p) => saved.push(
                    serde_json::json!({"message": f.message, "input": p.display().to_string()}),
                ),
                Err(e) => eprintln!(
                    "error: cannot save a finding of {} in {}: {e}",
                    t.name,
                    dir.display()
                ),
            }
        }
        println!(
            "{}",
            serde_json::json!({
                "target": t.name,
                "corpus": seeds.len(),
                "executions": r.executions,
                "seconds": (r.seconds * 10.0).round() / 10.0,
                "executions_per_second": (r.executions as f64 / r.seconds.max(1e-9)).round(),
                "findings": saved,
            })
        );
    }
    std::process::exit(i32::from(failed))
}
