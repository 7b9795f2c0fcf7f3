//! Every config in `tests/bad_configs/*.toml` is refused with exactly the one-line error in the
//! `.expected` file beside it (no training involved). `WIRING_BLESS=1` rewrites the expected
//! files from the current messages (review the diff!).

use std::fs;
use std::path::Path;

use wiring_sernn::Study;

use wiring_run::testing::check_bad_configs;

#[test]
fn every_bad_config_gets_its_one_line_error() {
    check_bad_configs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs"),
        8,
        |text, name, dir| {
            Study::from_toml(text, name, dir)
                .map(drop)
                .map_err(|e| e.to_string())
        },
    );
}

#[test]
fn shipped_configs_load() {
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let networks = |file: &str| {
        Study::load(&configs.join(file))
            .unwrap_or_else(|e| panic!("{e}"))
            .networks
            .len()
    };
    assert_eq!(networks("sernn-paper.toml"), 2002);
    assert_eq!(networks("sernn-supplementary.toml"), 202);
    assert_eq!(networks("sernn-quick.toml"), 40);
    assert_eq!(networks("sernn-comparison.toml"), 2002);
    assert_eq!(networks("sernn-probe.toml"), 96);
    // The comparison differs from the paper only in its name and γ ranges, the L1 one
    // geometric: ids 1001..2002 run from 1e-4 to 0.04 by a constant ratio.
    let comparison = Study::load(&configs.join("sernn-comparison.toml")).unwrap();
    let l1: Vec<f64> = comparison.networks[1001..]
        .iter()
        .map(|n| n.regulariser.gamma)
        .collect();
    assert_eq!((l1[0], l1[1000]), (1e-4, 0.04));
    let ratio = (0.04f64 / 1e-4).powf(1.0 / 1000.0);
    assert!((l1[500] / l1[499] - ratio).abs() < 1e-12);
    assert_eq!(comparison.networks[1000].regulariser.gamma, 0.6);
    let quick = Study::quick().unwrap();
    assert_eq!(quick.networks.len(), 40);
    // The paper config spells out every default: it is the same study as the defaults.
    let defaults = Study::from_toml(
        "version = 1\nname = \"paper\"\n",
        "defaults",
        Path::new("."),
    )
    .unwrap();
    let paper = Study::load(&configs.join("sernn-paper.toml")).unwrap();
    assert!(
        paper.differences(&defaults).is_empty(),
        "{:?}",
        paper.differences(&defaults)
    );
    assert_eq!(paper.config_hash(), defaults.config_hash());
    // Network ids run over the sets in order.
    assert_eq!(paper.set_name(&paper.networks[1000]), "se");
    assert_eq!(paper.set_name(&paper.networks[1001]), "l1");
    assert_eq!(paper.networks[1001].regulariser.gamma, 0.001);
}

#[test]
fn resolved_config_reloads_as_the_same_study() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("units.csv"),
        "x,y,z\n# a comment\n0,0,0\n1,0,0\n0 1 0\n",
    )
    .unwrap();
    let text = "version = 1\n[recipe]\nn_hidden = 3\n[space]\ncoordinates = \"units.csv\"\n[[sets]]\nname = \"a\"\nregulariser = \"spatial\"\ngamma = [0.5, 0.25]\n";
    let study = Study::from_toml(text, "s.toml", dir.path()).unwrap();
    assert_eq!(study.space.coordinates()[2], [0.0, 1.0, 0.0]);
    let again = Study::from_toml(
        &study.resolved_toml(),
        "config.toml",
        Path::new("/nonexistent"),
    )
    .unwrap();
    assert!(again.differences(&study).is_empty());
    assert_eq!(again.config_hash(), study.config_hash());
    let other = Study::from_toml(&text.replace("0.25", "0.3"), "t.toml", dir.path()).unwrap();
    assert_eq!(other.differences(&study), vec!["sets"]);
    assert_ne!(other.config_hash(), study.config_hash());
}
