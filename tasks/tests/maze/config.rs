//! Bad configs, each with its error, and the TOML form of the config.

use super::*;

#[test]
fn bad_configs_each_give_their_error() {
    let g = MazeConfig::default;
    let cases: Vec<(MazeConfig, MazeError, &str)> = vec![
        (
            general(10, 0.0, QUIRKS_OFF),
            MazeError::EvenSize { size: 10 },
            "kind.size: must be odd, got 10",
        ),
        (
            h_maze(3, 0),
            MazeError::SizeTooSmall { size: 3, min: 5 },
            "kind.size: must be at least 5, got 3",
        ),
        (
            MazeConfig::of_kind(MazeKind::General {
                size: 9,
                n_steps: 0,
            }),
            MazeError::ZeroSteps,
            "kind.n_steps: must be at least 1, got 0",
        ),
        (
            track(11, 4),
            MazeError::TooManyGaps {
                kind: "track",
                size: 11,
                gaps: 4,
                max: 3,
            },
            "kind.gaps: at most 3 cells",
        ),
        (
            MazeConfig {
                n_channels: 1,
                ..h_maze(11, 1)
            },
            MazeError::TooFewChannels {
                kind: "h",
                n_channels: 1,
                min: 2,
            },
            "n_channels: a h maze needs at least 2",
        ),
        (
            MazeConfig {
                n_channels: 0,
                ..g()
            },
            MazeError::TooFewChannels {
                kind: "general",
                n_channels: 0,
                min: 1,
            },
            "n_channels",
        ),
        (
            MazeConfig {
                maze_noise: -0.1,
                ..g()
            },
            MazeError::BadNoise {
                field: "maze_noise",
                value: -0.1,
            },
            "maze_noise: must be a finite standard deviation ≥ 0, got -0.1",
        ),
        (
            MazeConfig {
                cue_sparsity: 1.5,
                ..g()
            },
            MazeError::NotAProbability {
                field: "cue_sparsity",
                value: 1.5,
            },
            "cue_sparsity: must be a probability in [0, 1], got 1.5",
        ),
        (
            MazeConfig {
                wall_sparsity: -0.01,
                ..g()
            },
            MazeError::NotAProbability {
                field: "wall_sparsity",
                value: -0.01,
            },
            "wall_sparsity",
        ),
        (
            MazeConfig {
                cue_sparsity: 0.2,
                ..track(11, 1)
            },
            MazeError::NotForKind {
                field: "cue_sparsity",
                kind: "track",
                value: 0.2,
            },
            "cue_sparsity: only general mazes take it",
        ),
        (
            MazeConfig {
                maze_noise: 0.1,
                ..h_maze(11, 1)
            },
            MazeError::NotForKind {
                field: "maze_noise",
                kind: "h",
                value: 0.1,
            },
            "maze_noise: only general mazes take it (kind is h)",
        ),
    ];
    for (cfg, err, msg) in cases {
        assert_eq!(cfg.validate(), Err(err.clone()), "{cfg:?}");
        assert_eq!(cfg.generate(4, &mut rng(0)), Err(err.clone()));
        let text = err.to_string();
        assert!(text.starts_with(msg), "{text:?} should start with {msg:?}");
        assert!(!text.contains('\n'));
    }
    for nan_cfg in [
        MazeConfig {
            maze_noise: f64::NAN,
            ..g()
        },
        MazeConfig {
            maze_noise: f64::INFINITY,
            ..g()
        },
        MazeConfig {
            cue_sparsity: f64::NAN,
            ..g()
        },
    ] {
        assert!(nan_cfg.validate().is_err(), "{nan_cfg:?}");
    }
    // Batch sizes.
    let odd = track(11, 1).generate(3, &mut rng(0)).unwrap_err();
    assert_eq!(odd, MazeError::TrackBatchOdd { batch: 3 });
    assert!(odd.to_string().starts_with("batch: track mazes"));
    let six = h_maze(11, 1).generate(6, &mut rng(0)).unwrap_err();
    assert_eq!(six, MazeError::HBatchNotQuarters { batch: 6 });
    assert_eq!(h_maze(11, 1).generate(0, &mut rng(0)), Ok(vec![]));
    // Layouts of the wrong kind or out of range.
    let err = track(11, 1)
        .build(Layout::General, &mut rng(0))
        .unwrap_err();
    assert!(matches!(
        err,
        MazeError::LayoutMismatch { kind: "track", .. }
    ));
    let bad = Layout::Track {
        goal_right: true,
        leading_channel: 2,
    };
    assert!(matches!(
        track(11, 1).build(bad, &mut rng(0)),
        Err(MazeError::InvalidLayout { .. })
    ));
    let bad = Layout::H {
        corner: 4,
        horizontal_channel: 0,
        vertical_channel: 1,
        rotated: false,
    };
    assert!(matches!(
        h_maze(11, 1).build(bad, &mut rng(0)),
        Err(MazeError::InvalidLayout { .. })
    ));
    // Hand-made structures.
    let s = serpentine();
    assert_eq!(
        from_structure(5, 2, s[..24].to_vec(), (1, 1), (3, 1), true),
        Err(MazeError::StructureLength {
            size: 5,
            expected: 25,
            len: 24
        })
    );
    let mut open_border = s.clone();
    open_border[2] = 1;
    assert_eq!(
        from_structure(5, 2, open_border, (1, 1), (3, 1), true),
        Err(MazeError::BorderOpen { cell: (0, 2) })
    );
    assert_eq!(
        from_structure(5, 2, s.clone(), (2, 1), (3, 1), true),
        Err(MazeError::NotOnPath {
            role: "start",
            cell: (2, 1)
        })
    );
    assert_eq!(
        from_structure(5, 2, s.clone(), (3, 1), (3, 1), true),
        Err(MazeError::StartIsGoal { cell: (3, 1) })
    );
    let mut cut = s;
    cut[2 * 5 + 3] = 0;
    assert_eq!(
        from_structure(5, 2, cut, (1, 1), (3, 1), true),
        Err(MazeError::GoalUnreachable {
            start: (1, 1),
            goal: (3, 1)
        })
    );
    // Sensing buffers.
    let maze = generate(&g(), 1, 0).remove(0);
    let mut short = [0.0f32; 7];
    let err = sense_channels(
        &maze,
        maze.start,
        0.0,
        &[true, true],
        &mut rng(0),
        &mut short,
    );
    assert_eq!(
        err,
        Err(MazeError::SensorBuffer {
            what: "out",
            expected: 8,
            len: 7
        })
    );
}

#[test]
fn config_defaults_and_toml() {
    let d = MazeConfig::default();
    assert_eq!(
        d.kind,
        MazeKind::General {
            size: 9,
            n_steps: 20
        }
    );
    assert_eq!(
        (d.n_channels, d.maze_noise, d.cue_sparsity, d.wall_sparsity),
        (2, 0.0, 0.0, 0.0)
    );
    assert_eq!(
        d.quirks,
        MazeQuirks {
            last_cell_closed: true,
            relabel_distances: true
        }
    );
    assert_eq!(toml::from_str::<MazeConfig>("").unwrap(), d);
    let t: MazeConfig = toml::from_str("kind = { type = \"track\" }").unwrap();
    assert_eq!(t.kind, MazeKind::TRACK);
    let h: MazeConfig = toml::from_str("kind = { type = \"h\", size = 13 }").unwrap();
    assert_eq!(
        h.kind,
        MazeKind::H {
            size: 13,
            n_steps: 14,
            gaps: 1
        }
    );
    let full = "kind = { type = \"track\", size = 11, n_steps = 6, gaps = 1 }\n\
                n_channels = 2\nmaze_noise = 0.0\ncue_sparsity = 0.0\nwall_sparsity = 0.0\n\
                quirks = { last_cell_closed = true, relabel_distances = true }\n";
    assert_eq!(
        toml::from_str::<MazeConfig>(full).unwrap(),
        MazeConfig::of_kind(MazeKind::TRACK)
    );
    let q: MazeConfig = toml::from_str("[quirks]\nrelabel_distances = false").unwrap();
    assert_eq!(
        q.quirks,
        MazeQuirks {
            last_cell_closed: true,
            relabel_distances: false
        }
    );
    for cfg in [d, t, h, q] {
        let text = toml::to_string(&cfg).unwrap();
        assert_eq!(toml::from_str::<MazeConfig>(&text).unwrap(), cfg, "{text}");
    }
    for (bad, needle) in [
        ("sizes = 9", "sizes"),
        ("kind = { type = \"general\", gaps = 1 }", "gaps"),
        ("kind = { type = \"maze\" }", "maze"),
        ("[quirks]\nlast_cell = false", "last_cell"),
        ("n_channels = \"two\"", "n_channels"),
    ] {
        let err = toml::from_str::<MazeConfig>(bad).unwrap_err().to_string();
        assert!(err.contains(needle), "{bad:?}: {err}");
    }
}
