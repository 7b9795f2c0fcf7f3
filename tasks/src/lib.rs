//! # wiring-tasks
//!
//! The tasks the wiring studies train on.
//!
//! - [`goal_choice`]: the seRNN one-choice inference task (8 problems, goal → delay → choice).
//! - [`maze`]: the pRNN mazes (general, track, H) and the agent that senses and moves in them.
//!   Start at [`maze::MazeConfig::generate`]; [`maze::agent`] has the actions, the moves and the
//!   allocation-free sensing, [`maze::sense_lanes`] eight networks' sensing at once from their
//!   lockstep streams (`wiring_kernels::lanes`).
//!
//! Tasks produce inputs and labels only; networks, noise models of the network and training
//! live in `wiring-model`.

pub mod goal_choice;
pub mod maze;
