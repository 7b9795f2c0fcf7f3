//! The agent: sensing and moves.

use super::*;

#[test]
fn noise_free_sensing_reads_the_neighbour_cues() {
    let mut noise = rng(77);
    for cfg in [MazeConfig::default(), track(11, 1), h_maze(11, 1)] {
        for maze in generate(&cfg, 100, 8) {
            for r in 1..maze.size - 1 {
                for c in 1..maze.size - 1 {
                    if !maze.is_path((r, c)) {
                        continue;
                    }
                    let before = noise.clone();
                    let mut out = [f32::NAN; 8];
                    sense(&maze, (r, c), 0.0, [true, true], &mut noise, &mut out).unwrap();
                    let nb = [(r, c - 1), (r, c + 1), (r - 1, c), (r + 1, c)];
                    let want: Vec<f32> = nb
                        .iter()
                        .flat_map(|&x| [maze.cue(0, x), maze.cue(1, x)])
                        .collect();
                    assert_eq!(out.to_vec(), want);
                    assert_eq!(noise, before, "σ_s = 0 must draw nothing");
                    sense(&maze, (r, c), 0.0, [false, true], &mut noise, &mut out).unwrap();
                    for s in 0..4 {
                        assert_eq!((out[2 * s], out[2 * s + 1]), (0.0, want[2 * s + 1]));
                    }
                }
            }
        }
    }
}

#[test]
fn sensing_noise_has_the_requested_spread_and_is_clipped() {
    let mut maze = generate(&MazeConfig::default(), 1, 1).remove(0);
    maze.cues.iter_mut().for_each(|v| *v = 0.5);
    let pos = maze.start;
    let mut r = rng(3);
    let (n, sigma) = (20_000, 0.05f32);
    let (mut sum, mut sum2) = (0.0f64, 0.0f64);
    let mut out = [0.0f32; 8];
    for _ in 0..n {
        sense(&maze, pos, sigma, [true, true], &mut r, &mut out).unwrap();
        for &x in &out {
            sum += x as f64 - 0.5;
            sum2 += (x as f64 - 0.5).powi(2);
        }
    }
    let m = (n * 8) as f64;
    let (mean, sd) = (sum / m, (sum2 / m).sqrt());
    assert!(mean.abs() < 5.0 * 0.05 / m.sqrt(), "{mean}");
    assert!((sd - 0.05).abs() < 0.001, "{sd}");
    let (mut lo, mut hi) = (0, 0);
    for _ in 0..1000 {
        sense(&maze, pos, 2.0, [true, true], &mut r, &mut out).unwrap();
        assert!(out.iter().all(|x| (0.0..=1.0).contains(x)));
        lo += out.iter().filter(|&&x| x == 0.0).count();
        hi += out.iter().filter(|&&x| x == 1.0).count();
    }
    assert!(lo > 2000 && hi > 2000);
    // The general form agrees with the 8-input form draw for draw.
    let (mut a, mut b) = (rng(4), rng(4));
    let mut general_out = [0.0f32; 8];
    for _ in 0..100 {
        sense(&maze, pos, 0.3, [true, false], &mut a, &mut out).unwrap();
        sense_channels(&maze, pos, 0.3, &[true, false], &mut b, &mut general_out).unwrap();
        assert_eq!(out, general_out);
    }
}

#[test]
fn sensing_generalises_to_other_channel_counts() {
    let cfg = MazeConfig {
        n_channels: 3,
        ..MazeConfig::default()
    };
    let maze = generate(&cfg, 1, 2).remove(0);
    let (r, c) = maze.start;
    let mut out = [0.0f32; 12];
    sense_channels(
        &maze,
        (r, c),
        0.0,
        &[true, false, true],
        &mut rng(0),
        &mut out,
    )
    .unwrap();
    for (s, nb) in [(r, c - 1), (r, c + 1), (r - 1, c), (r + 1, c)]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            out[3 * s..3 * s + 3],
            [maze.cue(0, nb), 0.0, maze.cue(2, nb)]
        );
    }
    let mut eight = [0.0f32; 8];
    let err = sense(&maze, (r, c), 0.0, [true, true], &mut rng(0), &mut eight).unwrap_err();
    assert_eq!(err, MazeError::SensorChannels { n_channels: 3 });
}

#[test]
fn a_move_into_a_wall_stays() {
    for (i, a) in Action::ALL.into_iter().enumerate() {
        assert_eq!(a.index(), i);
        assert_eq!(Action::from_index(i), Some(a));
    }
    assert_eq!(Action::from_index(5), None);
    for maze in generate(&general(9, 0.2, MazeQuirks::default()), 200, 12) {
        for r in 1..8 {
            for c in 1..8 {
                if !maze.is_path((r, c)) {
                    continue;
                }
                assert_eq!(step(&maze, (r, c), Action::Stay), (r, c));
                for (a, nb) in [
                    (Action::Left, (r, c - 1)),
                    (Action::Right, (r, c + 1)),
                    (Action::Up, (r - 1, c)),
                    (Action::Down, (r + 1, c)),
                ] {
                    let want = if maze.is_path(nb) { nb } else { (r, c) };
                    assert_eq!(step(&maze, (r, c), a), want);
                }
            }
        }
    }
}
