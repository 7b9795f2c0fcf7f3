//! Where a network's training mazes come from ([`MazeSource`]).

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_tasks::maze::{self, Layout, Maze, MazeConfig, MazeSketch};

use crate::ModelError;

/// Where a network's training mazes come from: batches of `maze_batch` generated from the
/// `"mazes"` stream ([`MazeConfig::generate`]: the batch's plan, then each maze's build),
/// each visited in a shuffled order drawn from the same stream after the batch.
///
/// A batch is not kept: a pass over the batch at generation time makes every maze's draws
/// ([`MazeConfig::skip`]) to advance the stream as generating the batch does, and records
/// what rebuilds each maze when its episode comes — for the default general maze its
/// 24-byte sketch (walk, start and goal), for any other the layout and the state of the
/// stream where its build begins (the same draws, so the same maze). Rebuilding costs less
/// than keeping the batch: 1 000 mazes of about 1.4 KB per network outgrow the caches, and
/// visited in shuffled order each episode's maze would arrive miss by miss, while a maze
/// just rebuilt is in L1.
pub(super) struct MazeSource {
    task: MazeConfig,
    batch: usize,
    rng: Xoshiro256PlusPlus,
    /// Per maze of the current batch, in visiting order: what builds it.
    plan: Vec<Planned>,
    next: usize,
    /// The maze of the current episode (and the pass's scratch maze).
    pub(super) maze: Maze,
    /// The distance map's buffers, reused maze after maze.
    scratch: maze::DistanceScratch,
}

impl MazeSource {
    pub(super) fn new(task: MazeConfig, batch: usize, rng: Xoshiro256PlusPlus) -> Self {
        Self {
            task,
            batch,
            rng,
            plan: Vec::new(),
            next: 0,
            maze: Maze::blank(),
            scratch: maze::DistanceScratch::default(),
        }
    }

    pub(super) fn next_maze(&mut self) -> Result<&Maze, ModelError> {
        if self.next == self.plan.len() {
            self.plan.clear();
            for layout in self.task.plan(self.batch, &mut self.rng)? {
                let at = self.rng.clone();
                let sketch =
                    self.task
                        .skip(layout, &mut self.rng, &mut self.maze, &mut self.scratch)?;
                self.plan.push(match sketch {
                    Some(sketch) => Planned::Sketch(sketch),
                    None => Planned::Stream(layout, at),
                });
            }
            // The shuffle's swaps applied to the plan itself (as to an index vector that
            // starts as the identity): the plan is then read in order, line after line,
            // where a shuffled index would miss the cache at every episode.
            for i in (1..self.plan.len()).rev() {
                let j = self.rng.random_range(0..=i);
                self.plan.swap(i, j);
            }
            self.next = 0;
        }
        match &self.plan[self.next] {
            Planned::Sketch(sketch) => self.task.build_sketch(sketch, &mut self.maze),
            Planned::Stream(layout, at) => {
                self.task
                    .build_into(*layout, &mut at.clone(), &mut self.maze, &mut self.scratch)?
            }
        }
        self.next += 1;
        Ok(&self.maze)
    }
}

/// How a maze of a batch is rebuilt: from its sketch (the default general maze: its walk's
/// tree, start and goal, drawn once) or from the stream where its build begins.
enum Planned {
    Sketch(MazeSketch),
    Stream(Layout, Xoshiro256PlusPlus),
}
