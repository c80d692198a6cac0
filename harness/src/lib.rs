//! A native host for the shipped WebAssembly modules, and the tools that
//! prove every host agrees: a seeded corpus generator and one rendering of
//! results that the native core, this harness, the Node.js package and the
//! Python package all print.

pub mod corpus;
pub mod host;
pub mod render;
