//! Backend selection: `cpu`, `cuda`, `cuda:<device>` or `auto`.

use crate::backend::{Backend, BackendKind};
use crate::cpu::CpuBackend;
use crate::error::GpuError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// What the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// Always the CPU.
    Cpu,
    /// CUDA on the given device (default 0); an error if unavailable.
    Cuda {
        /// CUDA device index.
        device: usize,
    },
    /// CUDA device 0 if this build has the `cuda` feature and a device is present, else CPU.
    #[default]
    Auto,
}

impl FromStr for BackendChoice {
    type Err = GpuError;

    fn from_str(s: &str) -> Result<Self, GpuError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(BackendChoice::Cpu),
            "auto" => Ok(BackendChoice::Auto),
            "cuda" | "gpu" => Ok(BackendChoice::Cuda { device: 0 }),
            other => other
                .strip_prefix("cuda:")
                .and_then(|d| d.parse().ok())
                .map(|device| BackendChoice::Cuda { device })
                .ok_or_else(|| GpuError::UnknownBackend(s.to_string())),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendChoice::Cpu => f.write_str("cpu"),
            BackendChoice::Auto => f.write_str("auto"),
            BackendChoice::Cuda { device: 0 } => f.write_str("cuda"),
            BackendChoice::Cuda { device } => write!(f, "cuda:{device}"),
        }
    }
}

/// Which backend was chosen, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendReport {
    /// What was asked for (`cpu`, `cuda`, `auto`, ...).
    pub requested: String,
    /// What runs.
    pub kind: BackendKind,
    /// The backend's own description (device name and memory for CUDA).
    pub description: String,
    /// Why `auto` fell back to the CPU, if it did.
    pub fallback_reason: Option<String>,
}

impl fmt::Display for BackendReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backend {} (requested {}): {}",
            self.kind, self.requested, self.description
        )?;
        if let Some(r) = &self.fallback_reason {
            write!(f, "; cuda not used: {r}")?;
        }
        Ok(())
    }
}

/// A chosen backend and the report of the choice.
#[derive(Clone, Debug)]
pub struct SelectedBackend {
    /// The backend to pass to the proving hook.
    pub backend: Arc<dyn Backend>,
    /// Which one it is and why.
    pub report: BackendReport,
}

/// Whether this build contains the CUDA backend.
pub fn cuda_compiled() -> bool {
    cfg!(feature = "cuda")
}

#[cfg(feature = "cuda")]
fn open_cuda(device: usize) -> Result<Arc<dyn Backend>, GpuError> {
    Ok(Arc::new(crate::cuda::CudaBackend::new(device)?))
}

#[cfg(not(feature = "cuda"))]
fn open_cuda(_device: usize) -> Result<Arc<dyn Backend>, GpuError> {
    Err(GpuError::Unavailable {
        backend: "cuda",
        reason: "this build of stakeproof-gpu has no `cuda` feature".into(),
    })
}

/// Opens the backend `choice` asks for.
pub fn select_backend(choice: BackendChoice) -> Result<SelectedBackend, GpuError> {
    let (backend, fallback_reason): (Arc<dyn Backend>, _) = match choice {
        BackendChoice::Cpu => (Arc::new(CpuBackend::new()), None),
        BackendChoice::Cuda { device } => (open_cuda(device)?, None),
        BackendChoice::Auto => match open_cuda(0) {
            Ok(b) => (b, None),
            Err(e) => (Arc::new(CpuBackend::new()), Some(e.to_string())),
        },
    };
    let report = BackendReport {
        requested: choice.to_string(),
        kind: backend.kind(),
        description: backend.describe(),
        fallback_reason,
    };
    Ok(SelectedBackend { backend, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_choices() {
        assert_eq!("cpu".parse::<BackendChoice>().unwrap(), BackendChoice::Cpu);
        assert_eq!(
            "AUTO".parse::<BackendChoice>().unwrap(),
            BackendChoice::Auto
        );
        assert_eq!(
            "cuda".parse::<BackendChoice>().unwrap(),
            BackendChoice::Cuda { device: 0 }
        );
        assert_eq!(
            "cuda:3".parse::<BackendChoice>().unwrap(),
            BackendChoice::Cuda { device: 3 }
        );
        assert!(matches!(
            "tpu".parse::<BackendChoice>(),
            Err(GpuError::UnknownBackend(_))
        ));
        for c in ["cpu", "auto", "cuda", "cuda:2"] {
            assert_eq!(c.parse::<BackendChoice>().unwrap().to_string(), c);
        }
    }

    #[test]
    fn cpu_and_auto_select() {
        let s = select_backend(BackendChoice::Cpu).unwrap();
        assert_eq!(s.report.kind, BackendKind::Cpu);
        assert!(s.report.fallback_reason.is_none());
        let a = select_backend(BackendChoice::Auto).unwrap();
        if !cuda_compiled() {
            assert_eq!(a.report.kind, BackendKind::Cpu);
            assert!(a
                .report
                .fallback_reason
                .as_deref()
                .unwrap()
                .contains("feature"));
            assert!(matches!(
                select_backend(BackendChoice::Cuda { device: 0 }),
                Err(GpuError::Unavailable {
                    backend: "cuda",
                    ..
                })
            ));
        }
        assert!(a.report.to_string().contains("requested auto"));
    }
}
