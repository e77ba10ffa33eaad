//! The simulator's server side (placeholder until the sim lands).
