//! SCIM knowledge: URNs, the requirement catalogue, discovery, section titles
//! and data formats.

pub mod catalogue;
pub mod datetime;
pub mod discovery;
pub mod filter;
pub mod precis;
pub mod schema;
pub mod sections;
pub mod urns;
