//! The binary's exit codes and the errors that choose them: the one place that says which
//! failure exits with which code (the `--help` text is generated from it).

use std::sync::LazyLock;
use thiserror::Error;

/// An exit code of `stakeproof`, with what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: success.
    Success = 0,
    /// 1: bad input or any other failure.
    Failure = 1,
    /// 2: a bad command line, or a required setting given neither as a flag nor in `--config`.
    Usage = 2,
    /// 3: the beacon node failed.
    BeaconNode = 3,
    /// 4: the proofs disagree with the native report (a bug).
    Disagree = 4,
    /// 5: a proof artifact does not verify.
    Rejected = 5,
    /// 6: `submit` sent the transaction but its outcome is unknown.
    SentUnknown = 6,
}

impl ExitCode {
    /// Every exit code, in order.
    pub const ALL: [ExitCode; 7] = [
        ExitCode::Success,
        ExitCode::Failure,
        ExitCode::Usage,
        ExitCode::BeaconNode,
        ExitCode::Disagree,
        ExitCode::Rejected,
        ExitCode::SentUnknown,
    ];

    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// What the code means, as `--help` shows it.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "success",
            ExitCode::Failure => {
                "bad input or any other failure (the message names what is wrong)"
            }
            ExitCode::Usage => {
                "bad command line (also: a required setting given neither as a flag nor in --config)"
            }
            ExitCode::BeaconNode => {
                "the beacon node failed (unreachable, HTTP error, timeout, inconsistent data)"
            }
            ExitCode::Disagree => "proofs disagree with the native report (a bug: please report it)",
            ExitCode::Rejected => {
                "a proof artifact does not verify (tampered, foreign key or setup, inconsistent statement)"
            }
            ExitCode::SentUnknown => {
                "submit: the transaction was sent (its hash is printed) but the node failed after: check it, do not resubmit blindly"
            }
        }
    }

    /// The exit code of an error: the first cause in its chain that chooses one, else
    /// [`ExitCode::Failure`].
    pub fn of(e: &anyhow::Error) -> ExitCode {
        for cause in e.chain() {
            if let Some(c) = cause.downcast_ref::<CliError>() {
                return c.exit_code();
            }
            if let Some(api) = cause.downcast_ref::<stakeproof::beacon::api::ApiError>() {
                // A setting the user gave is theirs to fix (2), the local cache is this
                // machine's (1); only the node's own failures are 3.
                return match api.blame() {
                    stakeproof::beacon::api::Blame::Setting => ExitCode::Usage,
                    stakeproof::beacon::api::Blame::Local => ExitCode::Failure,
                    stakeproof::beacon::api::Blame::Node => ExitCode::BeaconNode,
                };
            }
            if let Some(
                stakeproof_prover::PipelineError::Mismatch { .. }
                | stakeproof_prover::PipelineError::PendingMismatch { .. }
                | stakeproof_prover::PipelineError::TwinDisagree { .. },
            ) = cause.downcast_ref::<stakeproof_prover::PipelineError>()
            {
                return ExitCode::Disagree;
            }
            if let Some(stakeproof_prover::PipelineError::BadChild { .. }) =
                cause.downcast_ref::<stakeproof_prover::PipelineError>()
            {
                return ExitCode::Rejected;
            }
        }
        ExitCode::Failure
    }
}

/// The exit codes as `--help` lists them (after the commands' own help).
pub fn help() -> &'static str {
    static HELP: LazyLock<String> = LazyLock::new(|| {
        let mut s = String::from("Exit codes:");
        for c in ExitCode::ALL {
            s.push_str(&format!("\n  {}  {}", c.code(), c.meaning()));
        }
        s
    });
    &HELP
}

/// The binary's own failures that choose an exit code other than 1.
#[derive(Debug, Error)]
pub enum CliError {
    /// A required setting given neither as a flag nor in the config file: exit code 2, like
    /// clap's own errors.
    #[error("{0}")]
    Usage(String),
    /// The final proof's statement differs from the native report: exit code 4.
    #[error(
        "the final proof's statement disagrees with the native report ({0}): please report this bug"
    )]
    Disagree(String),
    /// A final proof that does not verify (or an artifact inconsistent with its statement):
    /// exit code 5.
    #[error("the proof does not verify: {0}")]
    Rejected(String),
    /// `submit` sent a transaction (or may have), then the node failed: exit code 6. The
    /// message names the transaction and why a blind retry is a risk.
    #[error("{0}")]
    SentUnknown(String),
}

impl CliError {
    /// The exit code this failure ends the process with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::Usage,
            CliError::Disagree(_) => ExitCode::Disagree,
            CliError::Rejected(_) => ExitCode::Rejected,
            CliError::SentUnknown(_) => ExitCode::SentUnknown,
        }
    }
}

/// A [`CliError::Usage`] as an `anyhow` error.
pub fn usage(msg: &str) -> anyhow::Error {
    CliError::Usage(msg.to_string()).into()
}

/// A [`CliError::Rejected`] as an `anyhow` error.
pub fn rejected(msg: impl Into<String>) -> anyhow::Error {
    CliError::Rejected(msg.into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn help_lists_every_code() {
        assert_eq!(
            help(),
            "Exit codes:
  0  success
  1  bad input or any other failure (the message names what is wrong)
  2  bad command line (also: a required setting given neither as a flag nor in --config)
  3  the beacon node failed (unreachable, HTTP error, timeout, inconsistent data)
  4  proofs disagree with the native report (a bug: please report it)
  5  a proof artifact does not verify (tampered, foreign key or setup, inconsistent statement)
  6  submit: the transaction was sent (its hash is printed) but the node failed after: check it, do not resubmit blindly"
        );
    }

    #[test]
    fn codes_survive_context() {
        let e = Err::<(), _>(rejected("bad"))
            .context("proof file x")
            .unwrap_err();
        assert_eq!(ExitCode::of(&e), ExitCode::Rejected);
        assert_eq!(ExitCode::of(&usage("u")).code(), 2);
        let d = anyhow::Error::from(CliError::Disagree("slot".into()));
        assert_eq!(ExitCode::of(&d).code(), 4);
        assert_eq!(ExitCode::of(&anyhow::anyhow!("other")).code(), 1);
    }
}
