//! DynamoDB items (SPEC section 4): `hash(table, k1, v1, k2, v2)`.

pub(crate) mod consumer;
pub(crate) mod key;
pub mod number;
pub(crate) mod producer;
pub mod registry;
pub mod table;
