//! Undirected binary graphs stored as bitsets, the representation every binary measure uses.
//!
//! Row `i` of the adjacency matrix is `words = ⌈n / 64⌉` `u64`s; bit `j` of row `i` is set when
//! `i` and `j` are joined. The graph is simple: symmetric, no self-loops. On a 100-node graph a
//! row is two words, so a neighbourhood intersection is two `AND`s and two `popcount`s.

use crate::error::{check_square, MetricsError};

/// A simple undirected graph on `n` nodes (symmetric adjacency, empty diagonal) as bitset rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryGraph {
    n: usize,
    words: usize,
    rows: Vec<u64>,
}

impl BinaryGraph {
    /// The graph on `n` nodes without edges.
    pub fn empty(n: usize) -> Self {
        let words = n.div_ceil(64);
        Self {
            n,
            words,
            rows: vec![0; n * words],
        }
    }

    /// The complete graph on `n` nodes.
    pub fn complete(n: usize) -> Self {
        let mut g = Self::empty(n);
        for i in 0..n {
            for j in i + 1..n {
                g.add_edge(i, j);
            }
        }
        g
    }

    /// The graph of a dense row-major `n × n` matrix: `i ~ j` when `a[i, j] ≠ 0` **or**
    /// `a[j, i] ≠ 0` (`A ∨ Aᵀ`, the spec's symmetrisation); the diagonal is ignored.
    pub fn from_adjacency(a: &[f64], n: usize) -> Result<Self, MetricsError> {
        check_square("BinaryGraph::from_adjacency", "a", a, n)?;
        let mut g = Self::empty(n);
        for i in 0..n {
            for j in 0..n {
                if i != j && a[i * n + j] != 0.0 {
                    g.add_edge(i, j);
                }
            }
        }
        Ok(g)
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `u64` words per bitset row.
    pub fn words(&self) -> usize {
        self.words
    }

    /// Joins `i` and `j` (no-op for `i == j`). Panics if a node is out of range.
    pub fn add_edge(&mut self, i: usize, j: usize) {
        assert!(i < self.n && j < self.n, "node out of range");
        if i == j {
            return;
        }
        self.rows[i * self.words + j / 64] |= 1 << (j % 64);
        self.rows[j * self.words + i / 64] |= 1 << (i % 64);
    }

    /// Removes every edge, keeping `n`.
    pub fn clear(&mut self) {
        self.rows.fill(0);
    }

    /// Whether `i` and `j` are joined.
    pub fn has_edge(&self, i: usize, j: usize) -> bool {
        (self.rows[i * self.words + j / 64] >> (j % 64)) & 1 == 1
    }

    /// The bitset row of node `i`.
    pub fn row(&self, i: usize) -> &[u64] {
        &self.rows[i * self.words..(i + 1) * self.words]
    }

    /// Degree of node `i`.
    pub fn degree(&self, i: usize) -> usize {
        popcount(self.row(i))
    }

    /// Number of undirected edges `m`.
    pub fn edge_count(&self) -> usize {
        self.rows
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>()
            / 2
    }

    /// BCT `density_und`: `m / (n (n − 1) / 2)`; NaN for `n < 2`.
    pub fn density(&self) -> f64 {
        let pairs = self.n * self.n.saturating_sub(1) / 2;
        self.edge_count() as f64 / pairs as f64
    }

    /// The dense 0/1 adjacency matrix, row-major `n × n`.
    pub fn to_dense(&self) -> Vec<f64> {
        let n = self.n;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in ones(self.row(i)) {
                a[i * n + j] = 1.0;
            }
        }
        a
    }
}

/// Number of set bits.
pub(crate) fn popcount(bits: &[u64]) -> usize {
    bits.iter().map(|w| w.count_ones() as usize).sum()
}

/// Indices of the set bits, ascending.
pub(crate) fn ones(bits: &[u64]) -> Ones<'_> {
    Ones {
        bits,
        word: 0,
        current: bits.first().copied().unwrap_or(0),
    }
}

/// Iterator of [`ones`].
pub(crate) struct Ones<'a> {
    bits: &'a [u64],
    word: usize,
    current: u64,
}

impl Iterator for Ones<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            self.word += 1;
            self.current = *self.bits.get(self.word)?;
        }
        let b = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        Some(self.word * 64 + b)
    }
}
