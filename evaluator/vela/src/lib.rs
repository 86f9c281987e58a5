//! `xdef-vela`: what a KubeVela X-Definition is and how KubeVela renders it.
//!
//! - [`packages`]: the `vela/*` CUE packages, offline, chosen by definition type.

pub mod packages;
