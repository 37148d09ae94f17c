//! Backend MSM/NTT against naive references on random inputs of several sizes.

use halo2_base::halo2_proofs::arithmetic::Field;
use halo2_base::halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_base::halo2_proofs::halo2curves::group::{Curve, Group};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stakeproof_gpu::{domain_generator, Backend, CpuBackend, GpuError, NttDirection};

fn random_points(n: usize, rng: &mut ChaCha20Rng) -> Vec<G1Affine> {
    let proj: Vec<G1> = (0..n)
        .map(|i| {
            // a few identities and repeated points among random ones
            match i % 11 {
                5 => G1::identity(),
                7 if i > 0 => G1::generator() * Fr::from(i as u64),
                _ => G1::random(&mut *rng),
            }
        })
        .collect();
    let mut out = vec![G1Affine::default(); n];
    G1::batch_normalize(&proj, &mut out);
    out
}

fn random_scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<Fr> {
    (0..n)
        .map(|i| match i % 13 {
            3 => Fr::ZERO,
            4 => Fr::ONE,
            6 => -Fr::ONE,
            _ => Fr::random(&mut *rng),
        })
        .collect()
}

fn naive_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1 {
    bases
        .iter()
        .zip(scalars)
        .fold(G1::identity(), |acc, (b, s)| acc + *b * *s)
}

fn naive_dft(coeffs: &[Fr], x0: Fr, omega: Fr) -> Vec<Fr> {
    // evaluations at x0·omega^i
    let mut point = x0;
    (0..coeffs.len())
        .map(|_| {
            let v = coeffs.iter().rev().fold(Fr::ZERO, |acc, c| acc * point + c);
            point *= omega;
            v
        })
        .collect()
}

#[test]
fn msm_matches_naive() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let cpu = CpuBackend::new();
    let bases = random_points(1 << 10, &mut rng);
    let handle = cpu.load_bases(&bases).unwrap();
    for n in [0usize, 1, 2, 3, 17, 100, 255, 1 << 10] {
        let scalars = random_scalars(n, &mut rng);
        let want = naive_msm(&bases[..n], &scalars);
        assert_eq!(
            cpu.msm(&bases[..n], &scalars).unwrap().to_affine(),
            want.to_affine(),
            "msm n={n}"
        );
        assert_eq!(
            cpu.msm_loaded(&handle, &scalars).unwrap().to_affine(),
            want.to_affine(),
            "msm_loaded n={n}"
        );
    }
    let s1 = random_scalars(64, &mut rng);
    let s2 = random_scalars(1000, &mut rng);
    let batch = cpu.msm_batch(&handle, &[&s1, &s2]).unwrap();
    assert_eq!(batch[0], naive_msm(&bases[..64], &s1));
    assert_eq!(batch[1], naive_msm(&bases[..1000], &s2));
    let counts = cpu.counts();
    assert_eq!(counts.msm_calls, 8 * 2 + 2);
    assert_eq!(counts.bases_loaded, 1);

    // errors say what failed
    let too_many = random_scalars((1 << 10) + 1, &mut rng);
    let e = cpu.msm_loaded(&handle, &too_many).unwrap_err();
    assert!(
        matches!(
            e,
            GpuError::LengthMismatch {
                op: "msm_loaded",
                ..
            }
        ),
        "{e}"
    );
    assert!(cpu.msm(&bases[..3], &too_many[..4]).is_err());
    let id = handle.id();
    cpu.free_bases(handle).unwrap();
    let stale = cpu.load_bases(&bases[..1]).unwrap();
    assert_ne!(stale.id(), id);
}

#[test]
fn ntt_matches_naive() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let cpu = CpuBackend::new();
    let shift = Fr::from(7u64);
    for log_n in [0u32, 1, 2, 3, 5, 8, 10] {
        let n = 1usize << log_n;
        let omega = domain_generator(log_n);
        let coeffs = random_scalars(n, &mut rng);

        let mut v = coeffs.clone();
        cpu.ntt(&mut v, NttDirection::Forward).unwrap();
        assert_eq!(v, naive_dft(&coeffs, Fr::ONE, omega), "forward n={n}");
        cpu.ntt(&mut v, NttDirection::Inverse).unwrap();
        assert_eq!(v, coeffs, "inverse n={n}");

        let mut c = coeffs.clone();
        cpu.coset_ntt(&mut c, shift, NttDirection::Forward).unwrap();
        assert_eq!(c, naive_dft(&coeffs, shift, omega), "coset forward n={n}");
        cpu.coset_ntt(&mut c, shift, NttDirection::Inverse).unwrap();
        assert_eq!(c, coeffs, "coset inverse n={n}");
    }
    // batch form
    let mut a = random_scalars(16, &mut rng);
    let mut b = random_scalars(64, &mut rng);
    let (a0, b0) = (a.clone(), b.clone());
    cpu.ntt_batch(&mut [&mut a[..], &mut b[..]], NttDirection::Forward)
        .unwrap();
    assert_eq!(a, naive_dft(&a0, Fr::ONE, domain_generator(4)));
    assert_eq!(b, naive_dft(&b0, Fr::ONE, domain_generator(6)));

    let mut bad = vec![Fr::ONE; 12];
    assert!(matches!(
        cpu.ntt(&mut bad, NttDirection::Forward),
        Err(GpuError::NotPowerOfTwo { len: 12, .. })
    ));
    assert!(cpu
        .coset_ntt(&mut a, Fr::ZERO, NttDirection::Inverse)
        .is_err());
}

/// The CUDA backend runs sppark's NTT, whose root of unity differs from halo2's, and permutes
/// (see `sppark_root_exponent`). Emulate that with a naive DFT over sppark's root.
#[test]
fn sppark_twiddles_permuted_give_halo2_ntt() {
    use stakeproof_gpu::{sppark_root_exponent, sppark_root_of_unity};
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let j = sppark_root_exponent() as usize;
    for log_n in [1u32, 2, 4, 7] {
        let n = 1usize << log_n;
        let omega_s = sppark_root_of_unity().pow_vartime([1u64 << (28 - log_n)]);
        let a = random_scalars(n, &mut rng);
        let s_out = naive_dft(&a, Fr::ONE, omega_s);
        let permuted: Vec<Fr> = (0..n).map(|i| s_out[(j * i) % n]).collect();
        assert_eq!(permuted, naive_dft(&a, Fr::ONE, domain_generator(log_n)));
        // inverse: scatter input i to (j·i) mod n, then inverse DFT over sppark's root
        let mut scattered = vec![Fr::ZERO; n];
        for (i, v) in permuted.iter().enumerate() {
            scattered[(j * i) % n] = *v;
        }
        let n_inv = Fr::from(n as u64).invert().unwrap();
        let back: Vec<Fr> = naive_dft(&scattered, Fr::ONE, omega_s.invert().unwrap())
            .into_iter()
            .map(|x| x * n_inv)
            .collect();
        assert_eq!(back, a);
    }
}
