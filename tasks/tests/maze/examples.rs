//! Hand-checked mazes with their arrays written out.

use super::*;

#[test]
fn hand_checked_5x5_general_maze() {
    for quirk in [false, true] {
        let maze = from_structure(5, 2, serpentine(), (1, 1), (3, 1), quirk).unwrap();
        #[rustfmt::skip]
        let d: Vec<u32> = vec![
            0, 0, 0, 0, 0,
            0, 6, 5, 4, 0,
            0, 0, 0, 3, 0,
            0, 0, 1, 2, 0,
            0, 0, 0, 0, 0,
        ];
        assert_eq!(maze.d, d);
        assert_eq!(maze.dmax, 6);
        assert_eq!(maze.fastest, 5);
        let t = |k: u32| k as f32 / 12.0; // (dmax − d)/dmax/2 = (6 − d)/12
        #[rustfmt::skip]
        let cue = vec![
            0.0, 0.0,  0.0,  0.0,  0.0,
            0.0, t(0), t(1), t(2), 0.0,
            0.0, 0.0,  0.0,  t(3), 0.0,
            0.0, t(6), t(5), t(4), 0.0,
            0.0, 0.0,  0.0,  0.0,  0.0,
        ];
        assert_eq!(maze.cue_channel(0), &cue[..]);
        assert_eq!(maze.cue_channel(1), &cue[..]);
        assert_eq!(maze.progress((1, 3)), 2.0 / 6.0);
        let mut out = [0.0f32; 8];
        sense(&maze, (2, 3), 0.0, [true, true], &mut rng(0), &mut out).unwrap();
        assert_eq!(out, [0.0, 0.0, 0.0, 0.0, t(2), t(2), t(4), t(4)]);
        assert_eq!(step(&maze, (1, 1), Action::Down), (1, 1));
        assert_eq!(step(&maze, (1, 1), Action::Right), (1, 2));
    }
}

#[test]
fn hand_checked_7x7_track_maze() {
    // m = 3, g = linspace(0.1, 0.5, 2) = [0.1, 0.5]; goal left, channel 1 leads, 1 gap.
    let cfg = track(7, 1);
    let layout = Layout::Track {
        goal_right: false,
        leading_channel: 1,
    };
    let maze = cfg.build(layout, &mut rng(0)).unwrap();
    assert_eq!(
        (maze.start, maze.goal, maze.fastest, maze.dmax),
        ((3, 3), (3, 1), 1, 4)
    );
    let row = |ch: usize| maze.cue_channel(ch)[21..28].to_vec();
    // Misleading: concat(reverse(g), [0], g) = [0.5, 0.1, 0, 0.1, 0.5], gap at column 2.
    assert_eq!(row(0), [0.0, 0.5, 0.0, 0.0, 0.1, 0.5, 0.0]);
    // Leading: reverse(g) on columns 1..=2, gap at column 2.
    assert_eq!(row(1), [0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(&maze.d[21..28], &[0, 0, 1, 2, 3, 4, 0]);
}

#[test]
fn hand_checked_7x7_h_maze() {
    // m = 3, g = linspace(0.1, 0.5, 4): gh = [0.1, 0.2333], gv = [0.3667, 0.5].
    let cfg = h_maze(7, 0);
    let layout = Layout::H {
        corner: 0,
        horizontal_channel: 0,
        vertical_channel: 1,
        rotated: false,
    };
    let maze = cfg.build(layout, &mut rng(0)).unwrap();
    let (a, b) = ((0.1 + 0.4 / 3.0) as f32, (0.1 + 2.0 * (0.4 / 3.0)) as f32);
    let (o, x) = (0.0f32, 0.5f32);
    #[rustfmt::skip]
    let ch0 = vec![
        o, o,   o,   o, o, o, o,
        o, x,   o,   o, o, x, o,
        o, b,   o,   o, o, b, o,
        o, a,   0.1, o, o, o, o,
        o, b,   o,   o, o, b, o,
        o, x,   o,   o, o, x, o,
        o, o,   o,   o, o, o, o,
    ];
    #[rustfmt::skip]
    let ch1 = vec![
        o, o, o,   o, o,   o, o,
        o, x, o,   o, o,   o, o,
        o, b, o,   o, o,   o, o,
        o, a, 0.1, o, 0.1, a, o,
        o, o, o,   o, o,   b, o,
        o, o, o,   o, o,   x, o,
        o, o, o,   o, o,   o, o,
    ];
    assert_eq!(maze.cue_channel(0), &ch0[..]);
    assert_eq!(maze.cue_channel(1), &ch1[..]);
    #[rustfmt::skip]
    let d: Vec<u32> = vec![
        0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 8, 0,
        0, 1, 0, 0, 0, 7, 0,
        0, 2, 3, 4, 5, 6, 0,
        0, 3, 0, 0, 0, 7, 0,
        0, 4, 0, 0, 0, 8, 0,
        0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(maze.d, d);
    assert_eq!(
        (maze.start, maze.goal, maze.dmax, maze.fastest),
        ((3, 3), (1, 1), 8, 3)
    );
}
