// stakeproof-gpu: C ABI over sppark's BN254 Pippenger MSM and NTT templates.
//
// Data crossing the ABI (little-endian u64 limbs):
//   points   affine G1 (x, y) in Montgomery form (sppark's affine_t), 64 bytes each;
//            (0, 0) is the point at infinity.
//   scalars  Fr in canonical form (32 bytes each); MSMs run with mont = false.
//   results  Jacobian (X, Y, Z) in canonical form, Z = 0 for infinity (96 bytes).
//   NTT data Fr in canonical form. The NTT is linear and its twiddles are proper Montgomery
//            values, so canonical in gives canonical out; only the coset shift (Montgomery
//            form) is a real field element on the device.
// sppark's 2^28-th root of unity is not halo2's: halo2's generator on 2^k is sppark's
// raised to an odd j (computed by the Rust side), so outputs/inputs are permuted by i -> j*i.
//
// Every function returns 0 or a CUDA error code (-1 for other C++ exceptions) and writes
// a message into err[0..err_len).

#include <cuda.h>
#include <cstdio>
#include <cstring>
#include <new>

#include <ff/alt_bn128.hpp>
#include <ec/jacobian_t.hpp>
#include <ec/xyzz_t.hpp>

typedef jacobian_t<fp_t> point_t;
typedef xyzz_t<fp_t> bucket_t;
typedef bucket_t::affine_t affine_t;
typedef fr_t scalar_t;

#include <msm/pippenger.cuh>
#include <ntt/ntt.cuh>

typedef msm_t<bucket_t, point_t, affine_t, scalar_t> spg_msm_t;

static_assert(sizeof(affine_t) == 64, "affine_t must be two 32-byte coordinates");
static_assert(sizeof(fp_t) == 32 && sizeof(fr_t) == 32, "256-bit field elements");
static_assert(sizeof(point_t) == 3 * sizeof(fp_t), "jacobian_t must be X, Y, Z");

static void put_err(char* err, size_t len, const char* what, int code, const char* detail)
{
    if (err && len)
        snprintf(err, len, "%s: %s (%d)", what, detail ? detail : "unknown error", code);
}

static int fail(char* err, size_t len, const char* what, const cuda_error& e)
{
    put_err(err, len, what, (int)e.code(), e.what());
    return e.code() ? (int)e.code() : -1;
}

static int fail(char* err, size_t len, const char* what, cudaError_t e)
{
    put_err(err, len, what, (int)e, cudaGetErrorString(e));
    return (int)e;
}

static int fail(char* err, size_t len, const char* what, const RustError& e)
{
    put_err(err, len, what, e.code, e.message);
    return e.code ? e.code : -1;
}

static void point_out(const point_t& p, uint64_t out[12])
{
    fp_t c[3];
    memcpy((void*)c, (const void*)&p, sizeof(c));
    for (int i = 0; i < 3; i++) {
        c[i].from();
        memcpy(out + 4 * i, (const void*)&c[i], 32);
    }
}

extern "C" int spg_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}

extern "C" int spg_device_info(int dev, char* name, size_t name_len, size_t* free_b,
                               size_t* total_b, int* major, int* minor, char* err,
                               size_t err_len)
{
    cudaDeviceProp p;
    cudaError_t e = cudaGetDeviceProperties(&p, dev);
    if (e != cudaSuccess)
        return fail(err, err_len, "cudaGetDeviceProperties", e);
    if (name && name_len)
        snprintf(name, name_len, "%s", p.name);
    *major = p.major;
    *minor = p.minor;
    int prev = 0;
    (void)cudaGetDevice(&prev);
    if ((e = cudaSetDevice(dev)) != cudaSuccess)
        return fail(err, err_len, "cudaSetDevice", e);
    e = cudaMemGetInfo(free_b, total_b);
    (void)cudaSetDevice(prev);
    if (e != cudaSuccess)
        return fail(err, err_len, "cudaMemGetInfo", e);
    return 0;
}

extern "C" int spg_msm(int dev, const void* points, const void* scalars, size_t n,
                       uint64_t out[12], char* err, size_t err_len)
{
    try {
        spg_msm_t msm{nullptr, n, sizeof(affine_t), dev};
        point_t r;
        RustError e = msm.invoke(r, slice_t<affine_t>{(const affine_t*)points, n},
                                 (const scalar_t*)scalars, false);
        if (e.code)
            return fail(err, err_len, "msm", e);
        point_out(r, out);
        return 0;
    } catch (const cuda_error& e) {
        return fail(err, err_len, "msm", e);
    } catch (const std::bad_alloc&) {
        put_err(err, err_len, "msm", -1, "host allocation failed");
        return -1;
    }
}

extern "C" int spg_msm_ctx_new(int dev, const void* points, size_t n, void** ctx,
                               char* err, size_t err_len)
{
    try {
        *ctx = new spg_msm_t((const affine_t*)points, n, sizeof(affine_t), dev);
        return 0;
    } catch (const cuda_error& e) {
        return fail(err, err_len, "msm bases upload", e);
    } catch (const std::bad_alloc&) {
        put_err(err, err_len, "msm bases upload", -1, "host allocation failed");
        return -1;
    }
}

extern "C" int spg_msm_ctx_run(void* ctx, const void* scalars, size_t n, uint64_t out[12],
                               char* err, size_t err_len)
{
    try {
        point_t r;
        // points == nullptr: use the bases uploaded by spg_msm_ctx_new
        RustError e = static_cast<spg_msm_t*>(ctx)->invoke(
            r, (const affine_t*)nullptr, n, (const scalar_t*)scalars, false, sizeof(affine_t));
        if (e.code)
            return fail(err, err_len, "msm (resident bases)", e);
        point_out(r, out);
        return 0;
    } catch (const cuda_error& e) {
        return fail(err, err_len, "msm (resident bases)", e);
    }
}

extern "C" void spg_msm_ctx_free(void* ctx)
{
    try {
        delete static_cast<spg_msm_t*>(ctx);
    } catch (...) {
    }
}

// d[i] *= g^i, g in Montgomery form; d holds canonical values (see the header comment).
__global__ void spg_distribute_powers(fr_t* d, size_t n, fr_t g)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    fr_t acc = fr_t::one();
    fr_t base = g;
    for (size_t e = i; e; e >>= 1) {
        if (e & 1)
            acc *= base;
        base = base * base;
    }
    d[i] = d[i] * acc;
}

// dst[i] = src[(j*i) mod n] (gather) or dst[(j*i) mod n] = src[i] (scatter)
__global__ void spg_permute(fr_t* dst, const fr_t* src, size_t n, uint64_t j, bool scatter)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    size_t k = (size_t)(((unsigned __int128)j * i) & (n - 1));
    if (scatter)
        dst[k] = src[i];
    else
        dst[i] = src[k];
}

extern "C" int spg_ntt(int dev, void* data, uint32_t lg, int inverse, const void* shift_mont,
                       uint64_t j, char* err, size_t err_len)
{
    size_t n = (size_t)1 << lg;
    try {
        const gpu_t& gpu = select_gpu(dev);
        gpu.select();
        dev_ptr_t<fr_t> a{n, gpu};
        dev_ptr_t<fr_t> b{n, gpu};
        gpu.HtoD(&a[0], (const fr_t*)data, n);
        const unsigned threads = 256;
        unsigned blocks = (unsigned)((n + threads - 1) / threads);
        fr_t shift;
        if (shift_mont)
            memcpy((void*)&shift, shift_mont, sizeof(fr_t));
        if (!inverse) {
            if (shift_mont)
                spg_distribute_powers<<<blocks, threads, 0, gpu>>>(&a[0], n, shift);
            NTT::Base_dev_ptr(gpu, &a[0], lg, NTT::InputOutputOrder::NN,
                              NTT::Direction::forward, NTT::Type::standard);
            spg_permute<<<blocks, threads, 0, gpu>>>(&b[0], &a[0], n, j, false);
        } else {
            spg_permute<<<blocks, threads, 0, gpu>>>(&b[0], &a[0], n, j, true);
            NTT::Base_dev_ptr(gpu, &b[0], lg, NTT::InputOutputOrder::NN,
                              NTT::Direction::inverse, NTT::Type::standard);
            if (shift_mont)
                spg_distribute_powers<<<blocks, threads, 0, gpu>>>(&b[0], n, shift);
        }
        CUDA_OK(cudaGetLastError());
        gpu.DtoH((fr_t*)data, &b[0], n);
        gpu.sync();
        return 0;
    } catch (const cuda_error& e) {
        return fail(err, err_len, inverse ? "inverse ntt" : "ntt", e);
    }
}
