//! # wiring-tasks
//!
//! The tasks the wiring studies train on.
//!
//! - [`goal_choice`]: the seRNN one-choice inference task (8 problems, goal → delay → choice).
//!
//! Tasks produce inputs and labels only; networks, noise models of the network and training
//! live in `wiring-model`.

pub mod goal_choice;
