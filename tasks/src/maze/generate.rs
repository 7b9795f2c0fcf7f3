//! Generating mazes from a [`MazeConfig`]: the balanced plan of a batch, then each maze built
//! by its kind's module ([`general`], [`track`],
//! [`h`]) from the stream — whole, into reused buffers, or skipped (its draws only,
//! kept as a [`MazeSketch`] to build later).

use rand::Rng;

use super::config::{MazeConfig, MazeKind};
use super::{general, general9, h, track, DistanceScratch, Layout, Maze, MazeError};

/// The drawn part of a default general maze (its walk's tree, start and goal), from
/// [`MazeConfig::skip`]: what [`MazeConfig::build_sketch`] needs to build the maze without
/// drawing again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MazeSketch(general9::Drawn);

impl MazeConfig {
    /// The layouts of a batch of `batch` mazes, balanced as the spec says:
    ///
    /// - general: `batch` × [`Layout::General`] (no draws);
    /// - track: goal left for the first half, right for the second; leading channels
    ///   `[0; batch/2] ++ [1; batch/2]` shuffled (one Fisher–Yates pass: `for i in (1..n).rev() { swap(i, random_range(0..=i)) }`);
    /// - H: corners in blocks of `batch/4` in the order (1,1), (1,size−2), (size−2,1),
    ///   (size−2,size−2); channel pairs `(0,1)` × `batch/2` ++ `(1,0)` × `batch/2` shuffled;
    ///   then rotation flags `[false; batch/2] ++ [true; batch/2]` shuffled.
    ///
    /// # Errors
    /// An invalid config, or a batch that is odd (track) or not divisible by 4 (H).
    pub fn plan<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
    ) -> Result<Vec<Layout>, MazeError> {
        self.validate()?;
        match self.kind {
            MazeKind::General { .. } => Ok(vec![Layout::General; batch]),
            MazeKind::Track { .. } => track::plan(batch, rng),
            MazeKind::H { .. } => h::plan(batch, rng),
        }
    }

    /// Builds one maze of `layout` (drawing its structure, noise and sparsity from `rng` in
    /// the order documented by the kind's module).
    ///
    /// # Errors
    /// An invalid config, or a `layout` of another kind.
    pub fn build<R: Rng + ?Sized>(&self, layout: Layout, rng: &mut R) -> Result<Maze, MazeError> {
        self.validate()?;
        self.build_valid(layout, rng)
    }

    /// [`build`](Self::build) into `maze`: the same draws and the same maze, every field
    /// overwritten. A general maze reuses `maze`'s buffers (and the distance map's, in
    /// `scratch`), so rebuilding maze after maze allocates nothing once they have grown; a
    /// track or H maze is built anew. `maze` may start as any maze, e.g. [`Maze::blank`].
    ///
    /// # Errors
    /// As [`build`](Self::build); `maze` is then left partly overwritten.
    pub fn build_into<R: Rng + ?Sized>(
        &self,
        layout: Layout,
        rng: &mut R,
        maze: &mut Maze,
        scratch: &mut DistanceScratch,
    ) -> Result<(), MazeError> {
        self.validate()?;
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => {
                general::build_into(self, size, rng, maze, scratch)
            }
            _ => {
                *maze = self.build_valid(layout, rng)?;
                Ok(())
            }
        }
    }

    /// The draws of [`build_into`](Self::build_into) without (always) building: `rng` ends
    /// where building would leave it, so the next maze of a batch can be built or skipped in
    /// turn. Cheaper where the draws do not need the built maze (the default general maze:
    /// its walk and corners only), which then comes back as a [`MazeSketch`] of 24 bytes
    /// that [`build_sketch`](Self::build_sketch) builds without drawing again; otherwise
    /// the maze is built into `maze`, which is scratch here (left unspecified), and `None`
    /// comes back.
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn skip<R: Rng + ?Sized>(
        &self,
        layout: Layout,
        rng: &mut R,
        maze: &mut Maze,
        scratch: &mut DistanceScratch,
    ) -> Result<Option<MazeSketch>, MazeError> {
        self.validate()?;
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => {
                Ok(general::skip(self, size, rng, maze, scratch)?.map(MazeSketch))
            }
            _ => self.build_into(layout, rng, maze, scratch).map(|()| None),
        }
    }

    /// The maze whose draws [`skip`](Self::skip) returned as `sketch` (with this config),
    /// into `maze` as [`build_into`](Self::build_into) would build it from the stream.
    pub fn build_sketch(&self, sketch: &MazeSketch, maze: &mut Maze) {
        general9::build_drawn(
            self.n_channels,
            self.quirks.last_cell_closed,
            sketch.0,
            maze,
        );
    }

    fn build_valid<R: Rng + ?Sized>(&self, layout: Layout, rng: &mut R) -> Result<Maze, MazeError> {
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => general::build(self, size, rng),
            (MazeKind::Track { size, gaps, .. }, Layout::Track { .. }) => {
                track::build(self, size, gaps, layout, rng)
            }
            (MazeKind::H { size, gaps, .. }, Layout::H { .. }) => {
                h::build(self, size, gaps, layout)
            }
            _ => Err(MazeError::LayoutMismatch {
                kind: self.kind.name(),
                layout,
            }),
        }
    }

    /// Generates a batch: [`plan`](Self::plan), then [`build`](Self::build) each maze in batch
    /// order, all from `rng`. General mazes are i.i.d.; track and H batches are balanced
    /// exactly (see `plan`).
    ///
    /// # Errors
    /// An invalid config or batch size (see [`MazeConfig::validate`] and `plan`).
    pub fn generate<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
    ) -> Result<Vec<Maze>, MazeError> {
        self.plan(batch, rng)?
            .into_iter()
            .map(|layout| self.build_valid(layout, rng))
            .collect()
    }

    /// [`generate`](Self::generate) into `mazes`: the same draws and the same mazes, with
    /// `mazes` resized to `batch` and each maze [built into](Self::build_into) its slot, so
    /// that a stream of general batches allocates nothing once the buffers have grown.
    ///
    /// # Errors
    /// As [`generate`](Self::generate); `mazes` is then left partly overwritten.
    pub fn generate_into<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
        mazes: &mut Vec<Maze>,
        scratch: &mut DistanceScratch,
    ) -> Result<(), MazeError> {
        let layouts = self.plan(batch, rng)?;
        mazes.resize_with(batch, Maze::blank);
        for (maze, layout) in mazes.iter_mut().zip(layouts) {
            self.build_into(layout, rng, maze, scratch)?;
        }
        Ok(())
    }
}
