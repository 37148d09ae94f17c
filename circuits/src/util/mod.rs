//! Circuit assembly and proving utilities.

pub mod circuit;
pub mod proving;
