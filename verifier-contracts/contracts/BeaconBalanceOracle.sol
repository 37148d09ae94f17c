// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title BeaconBalanceOracle
/// @notice Accepts a liquid-staking pool's beacon-chain balance report only together with a
/// zero-knowledge proof (a stakeproof SHPLONK proof checked by a generated verifier) that the
/// report is what the beacon state under a beacon block root says. The block root is not taken
/// from the submitter: it is read from the EIP-4788 beacon-roots contract for an execution block
/// timestamp, and the verifier's public inputs are built here, so nobody has to be trusted but
/// the chain (and, for KZG, the setup ceremony). Submission is permissionless. The owner's
/// powers are bounded: a new verifier starts only VERIFIER_DELAY after it is announced (the
/// timelock, cancellable until then), the pool admin changes the pool only for slots not yet
/// reported, and an address pool is accepted only in its 0x01 form.
/// @dev Public inputs of the verifier, in this order (24 field elements, one 32-byte big-endian
/// word each, followed by the proof bytes in the verifier's calldata):
///   [0..12)  KZG accumulator limbs (from the submitter; the verifier checks them)
///   12, 13   block root, high and low 128 bits
///   14       slot
///   15       pool mode of the report's slot (`poolFor`): 0 an address that counts in both its
///            0x01 and 0x02 credential forms, 1 credentials matched exactly, 2 a credential set
///   16, 17   the pool's credentials (mode 2: the set's Poseidon root), high and low 128 bits
///   18..23   registryLength, validatorCount, totalBalanceGwei, activeCount, exitedCount,
///            slashedCount
/// The "chain" proof design's final proof has 26 public inputs: the same 24, then
///   24       anchorOld: the registry anchor the report's registry chain starts from; 0 means
///            the chain was proven cold, from the empty registry (a full registry proof)
///   25       anchorNew: the anchor (a Poseidon hash) of this report's registry
/// A final proof with the pool's pending deposits (`stakeproof prove --pending-size`) also has
/// 26 public inputs: the same 24, then
///   24       pendingDepositCount: entries of the state's `pending_deposits` queue (Electra on)
///            whose withdrawal credentials are the pool's (an address pool's in either its
///            0x01 or 0x02 form; a set's members)
///   25       pendingDepositGwei: the sum of their amounts
/// Rule and limits of the pending values: a top-up to a pool validator made with other
/// credentials is not counted; a deposit for a new key whose signature turns out invalid is
/// counted until the queue processes it (and then dropped by the chain); a deposit with the
/// pool's credentials for a key that is already a validator outside the pool is counted,
/// though the chain credits that validator. That last one costs its maker nothing but time, so
/// the pending values are not bounded here (a bound would let anyone who queues such a deposit
/// block every report until the queue processes it): the balance bound (`maxChangeBpsPerDay`)
/// stays on the balance alone, and a consumer must cap the pending sum by what it knows it
/// deposited and has not yet seen on the beacon chain.
/// Each verifier schedule entry says which design its verifier checks (`anchored`, `pending`):
/// reports of a plain verifier go through `submitReport`, those of an anchored ("chain")
/// verifier through `submitChainReport`, those of a pending-deposits verifier through
/// `submitPendingReport`, each refusing the other kinds (the kind is the owner's word, never
/// inferred from a call: see `submitReport` and `submitChainReport` for the attacks this stops).
/// Anchor rule: a chain report is accepted only if `anchorOld` is 0 or the `anchorNew` of a
/// report this oracle accepted under the same verifier; its `anchorNew` then becomes known for
/// that verifier. Why this is sound: a cold chain proves the registry from scratch; a known
/// anchor was proven by an accepted report under the same circuit, so the registry/accounts
/// invariant the circuit attaches to it holds; the delta proof carries that invariant to the
/// new state, whose validators root is bound to the beacon block root (inputs 12, 13) read
/// here from EIP-4788. Anchors are scoped per verifier address because another circuit
/// version may define anchors differently.
/// Withdrawal vault: a deployment with a `WITHDRAWAL_VAULT` (fixed in the constructor) takes,
/// for each stored report, the vault's execution-layer balance at the execution block of the
/// report's beacon block (`submitVaultBalance`), proven from the EIP-4788 root by a vault
/// verifier (`WithdrawalVaultVerifier`: the slot and the payload header's state root opened
/// with SHA-256, then the account proof walked with keccak-256). The vault verifiers have a
/// schedule of their own, behind the same timelock (a fork that moves the payload header needs
/// a new one). `getReport` answers `success = false` for a report whose vault balance is not
/// proven yet, so a Lido-style consumer never pairs a proven beacon balance with an unproven
/// vault balance.
contract BeaconBalanceOracle {
    /// @notice A proven report about the pool at one beacon slot.
    struct Report {
        uint64 slot;
        uint64 registryLength;
        uint64 validatorCount;
        uint128 totalBalanceGwei;
        uint64 activeCount;
        uint64 exitedCount;
        uint64 slashedCount;
    }

    /// @dev A report as stored, two storage words instead of the three `Report`'s declaration
    /// order would take. Word 0 holds all that `getReport` reads (total, validator count,
    /// exited count) and the total the next submission's bound reads; word 1 the slot and the
    /// other counts. (Submissions take the latest slot from `_reportSlots`.)
    struct StoredReport {
        uint128 totalBalanceGwei;
        uint64 validatorCount;
        uint64 exitedCount;
        uint64 slot;
        uint64 registryLength;
        uint64 activeCount;
        uint64 slashedCount;
    }

    /// @notice The pool from a slot on: `mode` 0 (an address, `credentials` its 0x01 form), 1
    /// (exact credentials) or 2 (a credential set: `credentials` is its Poseidon root; every
    /// validator is proven in or out of the set, see the README's "Credential sets").
    struct PoolEntry {
        uint64 fromSlot;
        uint8 mode;
        bytes32 credentials;
    }

    /// @notice A verifier, the first slot whose reports it checks, and whether it is a "chain"
    /// verifier (`anchored`: 26 public inputs, the last two registry anchors; its reports go
    /// only through `submitChainReport`) or a pending-deposits verifier (`pending`: 26 public
    /// inputs, the last two the pool's pending count and sum; its reports go only through
    /// `submitPendingReport`); the others' go only through `submitReport`. Never both.
    struct VerifierEntry {
        uint64 activationSlot;
        address verifier;
        bool anchored;
        bool pending;
    }

    /// @notice The pool's pending deposits proven with a report (one storage word).
    struct PendingDeposits {
        uint64 count;
        uint128 amountGwei;
    }

    /// @notice The EIP-4788 beacon-roots contract on Ethereum mainnet and testnets.
    address public constant DEFAULT_BEACON_ROOTS = 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02;
    /// @notice Entries kept by the beacon-roots contract (EIP-4788 HISTORY_BUFFER_LENGTH).
    uint256 public constant HISTORY_BUFFER_LENGTH = 8191;
    /// @notice Largest verifier delay a deployment may set (a longer one could keep a fix for
    /// a broken circuit out for too long).
    uint256 public constant MAX_VERIFIER_DELAY = 30 days;
    /// @notice With a withdrawal vault: the slots of the beacon-roots window a report leaves
    /// for its vault balance (a report is refused once its root is in the window's last
    /// VAULT_PROOF_SLOTS slots), so that whoever submits a report cannot leave its vault
    /// balance without the time to be proven.
    uint256 public constant VAULT_PROOF_SLOTS = 2048;
    /// @notice Largest accepted SECONDS_PER_SLOT (Ethereum has 12, Gnosis Chain 5).
    uint256 public constant MAX_SECONDS_PER_SLOT = 3600;
    /// @notice Number of public inputs of an unanchored verifier.
    uint256 public constant NUM_PUBLIC_INPUTS = 24;
    /// @notice Number of public inputs of an anchored ("chain") verifier.
    uint256 public constant NUM_CHAIN_PUBLIC_INPUTS = 26;
    /// @notice Number of public inputs of a pending-deposits verifier.
    uint256 public constant NUM_PENDING_PUBLIC_INPUTS = 26;
    /// @notice The BN254 scalar field modulus: anchors are field elements below it.
    uint256 public constant SCALAR_FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Basis points in 100%.
    uint256 public constant BPS = 10_000;
    /// @notice The pool mode of a credential set.
    uint8 public constant POOL_MODE_SET = 2;
    /// @notice Largest accepted bound, 10,000,000 bps (100,000%) per day.
    uint256 public constant MAX_BOUND_BPS_PER_DAY = 10_000_000;

    uint256 private constant LOW_128 = (1 << 128) - 1;
    /// @dev What a submission carries beside the 24 inputs (and which entry point was called).
    uint8 private constant KIND_PLAIN = 0;
    uint8 private constant KIND_CHAIN = 1;
    uint8 private constant KIND_PENDING = 2;

    /// @notice Whether the deployment's pool credentials are matched exactly (listed in the
    /// contract's developer notes). The pool of a slot is `poolFor(slot)`.
    bool public immutable poolExact;
    /// @notice The deployment's pool credentials (`0x01‖0…0‖address` for an address pool): the
    /// pool from slot 0 until `poolAdmin` schedules a credential set.
    bytes32 public immutable poolCredentials;
    /// @notice The beacon-roots contract consulted.
    address public immutable beaconRoots;
    /// @notice Seconds per slot (and per execution block) of the network: 12 on Ethereum, 5 on
    /// Gnosis Chain. The beacon-roots window (HISTORY_BUFFER_LENGTH blocks) and the bound's
    /// pro-rating follow it.
    uint256 public immutable SECONDS_PER_SLOT;
    /// @notice The network's genesis time (`slot` starts at `GENESIS_TIME + slot *
    /// SECONDS_PER_SLOT`; see `slotStart`).
    uint256 public immutable GENESIS_TIME;
    /// @notice The pool's withdrawal vault, whose execution-layer balance each report carries
    /// once `submitVaultBalance` proved it; zero: none (`getReport` then answers 0 for it).
    address public immutable WITHDRAWAL_VAULT;
    /// @notice The verifier timelock: a verifier scheduled now may check only reports of slots
    /// that start at least VERIFIER_DELAY seconds from now (`earliestActivationSlot()`), so
    /// that the pool's users see every change of verifier coming (`VerifierScheduled`), and
    /// may leave or see it cancelled (`VerifierCancelled`), before it can accept a report. 0
    /// (devnets, tests) means no timelock: a verifier may then start at any slot after the
    /// latest report's. Fixed at deployment; at most MAX_VERIFIER_DELAY.
    uint256 public immutable VERIFIER_DELAY;

    /// @notice Who may pause, set the bound and schedule verifiers.
    address public owner;
    /// @notice While true, reports are refused.
    bool public paused;
    /// @notice Largest accepted change of the total balance, in bps of the previous report's
    /// total per day, pro-rated by the slots between the reports (SECONDS_PER_SLOT each). At
    /// most MAX_BOUND_BPS_PER_DAY, so 64 bits hold it: it shares a word with `owner` and
    /// `paused`, which a submission reads anyway.
    uint64 public maxChangeBpsPerDay;

    VerifierEntry[] private _verifiers;
    /// @dev Reports by slot, as `StoredReport` (two words; the ABI's `Report` would take three).
    mapping(uint64 => StoredReport) private _reports;
    /// @dev The slots reported, strictly increasing (so a slot's report exists iff the slot is
    /// found here: no separate flag is written).
    uint64[] private _reportSlots;
    /// @dev verifier => anchor => whether a chain report accepted under `verifier` ended there.
    mapping(address => mapping(uint256 => bool)) private _knownAnchors;
    /// @notice The `anchorNew` of the latest accepted chain report (0 if none). It is known
    /// for the verifier that accepted that report (`isKnownAnchor`), not necessarily for the
    /// verifier of later slots.
    uint256 public latestAnchor;
    /// @notice Who may schedule the pool's credential-set root for later slots (e.g. the LSD
    /// contract, when it creates a validator contract); zero: nobody. Named by the owner.
    address public poolAdmin;
    PoolEntry[] private _pools;
    /// @dev The pending deposits of reports made under a pending-deposits verifier, by slot
    /// (zero for the others). Declared last, so the older variables keep their storage slots.
    mapping(uint64 => PendingDeposits) private _pendingDeposits;
    /// @dev The vault verifiers' schedule (`verifier` and `activationSlot` of each entry; the
    /// flags unused). Empty without a withdrawal vault.
    VerifierEntry[] private _vaultVerifiers;
    /// @dev The withdrawal vault's proven balance by report slot, in wei plus one (0: not
    /// proven yet).
    mapping(uint64 => uint256) private _vaultBalances;

    /// @notice A report was proven and stored.
    event ReportSubmitted(
        uint64 indexed slot,
        uint128 totalBalanceGwei,
        uint64 validatorCount,
        bytes32 blockRoot,
        uint256 timestamp,
        address verifier,
        address submitter
    );
    /// @notice A chain report under `verifier` was accepted and its registry anchor recorded.
    event AnchorRecorded(address indexed verifier, uint256 anchor, uint64 slot);
    /// @notice A report with the pool's pending deposits was accepted; they are stored with it.
    event PendingDepositsRecorded(uint64 indexed slot, uint64 count, uint128 amountGwei);
    /// @notice `verifier` checks the reports of slots from `activationSlot` on (its kind:
    /// `verifierAt(i).anchored` and `.pending`).
    event VerifierScheduled(address indexed verifier, uint64 activationSlot);
    /// @notice The pending schedule entry of `verifier` from `activationSlot` was withdrawn:
    /// those slots go back to the verifier before it.
    event VerifierCancelled(address indexed verifier, uint64 activationSlot);
    /// @notice The withdrawal vault's balance at the block of the report of `slot` was proven.
    event VaultBalanceRecorded(uint64 indexed slot, uint256 balanceWei, bytes32 blockRoot, uint256 timestamp);
    /// @notice `verifier` proves the vault balances of slots from `activationSlot` on.
    event VaultVerifierScheduled(address indexed verifier, uint64 activationSlot);
    /// @notice The pending vault-verifier entry of `verifier` from `activationSlot` was
    /// withdrawn.
    event VaultVerifierCancelled(address indexed verifier, uint64 activationSlot);
    /// @notice Reports were paused (`true`) or resumed (`false`).
    event PausedSet(bool paused);
    /// @notice The balance-change bound changed.
    event MaxChangeBpsPerDaySet(uint256 bps);
    /// @notice The pool of slots from `fromSlot` on is `(mode, credentials)`.
    event PoolScheduled(uint8 mode, bytes32 credentials, uint64 fromSlot);
    /// @notice `poolAdmin` changed.
    event PoolAdminSet(address admin);
    /// @notice Ownership moved.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice Reports are paused.
    error OraclePaused();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice A verifier address has no code (a call to it would "succeed").
    error NoCode(address account);
    /// @notice The bound is above MAX_BOUND_BPS_PER_DAY.
    error BoundTooLarge(uint256 bps);
    /// @notice The timestamp is in the future or older than the beacon-roots window (with a
    /// withdrawal vault, a report's must leave VAULT_PROOF_SLOTS of it).
    error TimestampOutOfWindow(uint256 timestamp, uint256 blockTimestamp);
    /// @notice The beacon-roots contract has no root for the timestamp.
    error BeaconRootUnavailable(uint256 timestamp);
    /// @notice A report for this slot is stored already.
    error ReportAlreadySubmitted(uint64 slot);
    /// @notice The slot is not after the latest report's slot.
    error SlotNotAfterLatest(uint64 slot, uint64 latestSlot);
    /// @notice The total balance moved by more than the bound allows.
    error BalanceChangeTooLarge(uint128 previousGwei, uint128 reportedGwei, uint256 maxDeltaGwei);
    /// @notice The verifier rejected the proof.
    error ProofRejected();
    /// @notice A scheduled activation slot is not after the latest report's slot.
    error ActivationNotInFuture(uint64 activationSlot, uint64 latestSlot);
    /// @notice There is no report yet.
    error NoReport();
    /// @notice `submitReport` was called for a slot whose verifier is anchored (use
    /// `submitChainReport`).
    error VerifierNeedsAnchors(address verifier);
    /// @notice `submitChainReport` was called for a slot whose verifier is unanchored (use
    /// `submitReport`).
    error VerifierTakesNoAnchors(address verifier);
    /// @notice `submitReport` or `submitChainReport` was called for a slot whose verifier takes
    /// the pending deposits (use `submitPendingReport`).
    error VerifierNeedsPendingDeposits(address verifier);
    /// @notice `submitPendingReport` was called for a slot whose verifier does not take them.
    error VerifierTakesNoPendingDeposits(address verifier);
    /// @notice `anchorOld` is neither 0 nor the anchor of a report accepted under the verifier.
    error UnknownAnchor(uint256 anchorOld);
    /// @notice Seconds per slot of 0 or above MAX_SECONDS_PER_SLOT, or a genesis in the future.
    error BadSlotTiming(uint256 secondsPerSlot, uint256 genesisTime);
    /// @notice An anchor is not below SCALAR_FIELD_MODULUS.
    error AnchorNotFieldElement(uint256 anchor);
    /// @notice The caller is not `poolAdmin`.
    error NotPoolAdmin();
    /// @notice A set root is not below SCALAR_FIELD_MODULUS (no set hashes to it).
    error RootNotFieldElement(bytes32 root);
    /// @notice A pool change for a slot not after the latest report's slot.
    error PoolChangeNotInFuture(uint64 fromSlot, uint64 latestSlot);
    /// @notice An address pool's credentials not in their 0x01 form (`0x01‖0…0‖address`): the
    /// circuit matches an address pool through that form (and its 0x02 twin), so with any other
    /// bytes no validator would ever match and any report would prove a total of 0.
    error AddressPoolNot0x01(bytes32 credentials);
    /// @notice A verifier delay above MAX_VERIFIER_DELAY.
    error VerifierDelayTooLong(uint256 delay);
    /// @notice A verifier scheduled for a slot that starts before VERIFIER_DELAY from now.
    error ActivationTooSoon(uint64 activationSlot, uint64 earliestSlot);
    /// @notice No pending schedule entry starts at this slot (or it is already in force).
    error NothingToCancel(uint64 activationSlot);
    /// @notice The oracle has no withdrawal vault (`WITHDRAWAL_VAULT` is zero).
    error NoWithdrawalVault();
    /// @notice A withdrawal vault without a vault verifier, or a vault verifier without a vault.
    error VaultSettingsMismatch(address vault, address vaultVerifier);
    /// @notice The vault balance of this slot's report is proven already.
    error VaultBalanceAlreadySubmitted(uint64 slot);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    /// @param owner_ Who may pause, set the bound and schedule verifiers.
    /// @param poolExact_ Whether `poolCredentials_` are matched exactly.
    /// @param poolCredentials_ The pool's withdrawal credentials: for an address pool
    /// (`poolExact_` false) the 0x01 form `0x01‖0…0‖address`, which matches 0x01 and 0x02
    /// validators alike; anything else reverts `AddressPoolNot0x01`.
    /// @param initialVerifier The (unanchored) verifier of reports from slot 0 on.
    /// @param maxChangeBpsPerDay_ The balance-change bound (see `maxChangeBpsPerDay`).
    /// @param beaconRoots_ The beacon-roots contract; zero means DEFAULT_BEACON_ROOTS.
    /// @param secondsPerSlot_ The network's SECONDS_PER_SLOT (1 to MAX_SECONDS_PER_SLOT).
    /// @param genesisTime_ The network's genesis time (not in the future).
    /// @param verifierDelay_ The verifier timelock, seconds (see VERIFIER_DELAY; days in
    /// production, at most MAX_VERIFIER_DELAY).
    /// @param withdrawalVault_ The pool's withdrawal vault (zero: none).
    /// @param vaultVerifier_ The vault verifier of slots from 0 on (zero exactly when there is
    /// no vault).
    constructor(
        address owner_,
        bool poolExact_,
        bytes32 poolCredentials_,
        address initialVerifier,
        uint256 maxChangeBpsPerDay_,
        address beaconRoots_,
        uint256 secondsPerSlot_,
        uint256 genesisTime_,
        uint256 verifierDelay_,
        address withdrawalVault_,
        address vaultVerifier_
    ) {
        if (owner_ == address(0)) revert ZeroAddress();
        if (secondsPerSlot_ == 0 || secondsPerSlot_ > MAX_SECONDS_PER_SLOT || genesisTime_ > block.timestamp) {
            revert BadSlotTiming(secondsPerSlot_, genesisTime_);
        }
        SECONDS_PER_SLOT = secondsPerSlot_;
        GENESIS_TIME = genesisTime_;
        if (initialVerifier.code.length == 0) revert NoCode(initialVerifier);
        if (maxChangeBpsPerDay_ > MAX_BOUND_BPS_PER_DAY) revert BoundTooLarge(maxChangeBpsPerDay_);
        if (!poolExact_ && (poolCredentials_ >> 160) != bytes32(uint256(1) << 88)) {
            revert AddressPoolNot0x01(poolCredentials_);
        }
        if (verifierDelay_ > MAX_VERIFIER_DELAY) revert VerifierDelayTooLong(verifierDelay_);
        VERIFIER_DELAY = verifierDelay_;
        if ((withdrawalVault_ == address(0)) != (vaultVerifier_ == address(0))) {
            revert VaultSettingsMismatch(withdrawalVault_, vaultVerifier_);
        }
        WITHDRAWAL_VAULT = withdrawalVault_;
        if (vaultVerifier_ != address(0)) {
            if (vaultVerifier_.code.length == 0) revert NoCode(vaultVerifier_);
            _vaultVerifiers.push(
                VerifierEntry({activationSlot: 0, verifier: vaultVerifier_, anchored: false, pending: false})
            );
            emit VaultVerifierScheduled(vaultVerifier_, 0);
        }
        owner = owner_;
        poolExact = poolExact_;
        poolCredentials = poolCredentials_;
        beaconRoots = beaconRoots_ == address(0) ? DEFAULT_BEACON_ROOTS : beaconRoots_;
        // At most MAX_BOUND_BPS_PER_DAY (checked above): fits 64 bits.
        maxChangeBpsPerDay = uint64(maxChangeBpsPerDay_);
        _verifiers.push(VerifierEntry({activationSlot: 0, verifier: initialVerifier, anchored: false, pending: false}));
        _pools.push(PoolEntry({fromSlot: 0, mode: poolExact_ ? 1 : 0, credentials: poolCredentials_}));
        emit OwnershipTransferred(address(0), owner_);
        emit VerifierScheduled(initialVerifier, 0);
        emit MaxChangeBpsPerDaySet(maxChangeBpsPerDay_);
    }

    // ------------------------------------------------------------------ submission

    /// @notice Submits a report with its proof, for a slot whose verifier is unanchored (24
    /// public inputs). `timestamp` is the timestamp of the execution block whose parent beacon
    /// block root is the proven block root (the block after the report's slot); it must lie
    /// within the beacon-roots window (8191 slots; with a withdrawal vault, not in its last
    /// VAULT_PROOF_SLOTS) and not in the future. `accumulator` are the
    /// proof's KZG accumulator limbs. Reverts `VerifierNeedsAnchors` when the slot's verifier
    /// is anchored: otherwise a submitter could put two words of their choosing at the start
    /// of `proof`, which `abi.encodePacked(inputs, proof)` would hand to the 26-input verifier
    /// as anchorOld/anchorNew, bypassing the anchor check of `submitChainReport`.
    function submitReport(
        Report calldata r,
        uint256 timestamp,
        uint256[12] calldata accumulator,
        bytes calldata proof
    ) external {
        _submit(r, timestamp, _accumulatorInputs(NUM_PUBLIC_INPUTS, accumulator), KIND_PLAIN, proof);
    }

    /// @notice Submits a report of the chain proof design with its proof, for a slot whose
    /// verifier is anchored (26 public inputs): as `submitReport`, with the registry anchors
    /// `anchorOld` (0: proven cold) and `anchorNew` as public inputs 24 and 25. `anchorOld`
    /// must be 0 or a known anchor of the slot's verifier (`UnknownAnchor`); once the report
    /// is accepted, `anchorNew` is known for that verifier (`AnchorRecorded`). Reverts
    /// `VerifierTakesNoAnchors` when the slot's verifier is unanchored: a 24-input verifier
    /// would read the two anchor words as the first 64 bytes of the proof, so a submitter
    /// could pick them to match a valid proof and have a meaningless anchor recorded. Anchors
    /// must be field elements (`AnchorNotFieldElement`).
    function submitChainReport(
        Report calldata r,
        uint256 timestamp,
        uint256 anchorOld,
        uint256 anchorNew,
        uint256[12] calldata accumulator,
        bytes calldata proof
    ) external {
        _submit(r, timestamp, _chainInputs(anchorOld, anchorNew, accumulator), KIND_CHAIN, proof);
    }

    /// @notice Submits a report with the pool's pending deposits and its proof, for a slot whose
    /// verifier takes them (26 public inputs): as `submitReport`, with `pendingDepositCount`
    /// and `pendingDepositGwei` as public inputs 24 and 25 (rule and limits in the contract's
    /// developer notes). They are stored with the report (`pendingDepositsAt`); the bound is on
    /// the balance alone (see the developer notes for why). Reverts `VerifierTakesNoPendingDeposits` when
    /// the slot's verifier does not take them (a 24-input verifier would read the two words as
    /// the start of the proof), and `submitReport`/`submitChainReport` revert
    /// `VerifierNeedsPendingDeposits` for a slot whose verifier does (the two words would be
    /// the submitter's choice).
    function submitPendingReport(
        Report calldata r,
        uint256 timestamp,
        uint64 pendingDepositCount,
        uint128 pendingDepositGwei,
        uint256[12] calldata accumulator,
        bytes calldata proof
    ) external {
        _submit(r, timestamp, _pendingInputs(pendingDepositCount, pendingDepositGwei, accumulator), KIND_PENDING, proof);
    }

    /// @dev The common part of the submissions. `inputs` holds the accumulator limbs (and, for
    /// a chain or pending report, its two values at 24 and 25); `kind` says which entry point
    /// called.
    function _submit(Report calldata r, uint256 timestamp, uint256[] memory inputs, uint8 kind, bytes calldata proof)
        private
    {
        if (paused) revert OraclePaused();
        if (timestamp > block.timestamp || block.timestamp - timestamp >= HISTORY_BUFFER_LENGTH * SECONDS_PER_SLOT) {
            revert TimestampOutOfWindow(timestamp, block.timestamp);
        }
        if (
            WITHDRAWAL_VAULT != address(0)
                && block.timestamp - timestamp >= (HISTORY_BUFFER_LENGTH - VAULT_PROOF_SLOTS) * SECONDS_PER_SLOT
        ) revert TimestampOutOfWindow(timestamp, block.timestamp);
        bytes32 root = _beaconRoot(timestamp);

        uint64 slot = r.slot;
        uint256 n = _reportSlots.length;
        if (n > 0) {
            uint64 latest = _reportSlots[n - 1];
            if (slot <= latest) {
                if (_isReported(slot)) revert ReportAlreadySubmitted(slot);
                revert SlotNotAfterLatest(slot, latest);
            }
            _checkBound(latest, _reports[latest].totalBalanceGwei, r);
        }

        address verifier = _verifierOfKind(slot, kind);
        bool chain = kind == KIND_CHAIN;
        if (chain) {
            uint256 anchorOld = inputs[24];
            if (anchorOld != 0 && !_knownAnchors[verifier][anchorOld]) revert UnknownAnchor(anchorOld);
        }
        _statementInputs(inputs, r, root);
        (bool ok,) = verifier.staticcall(abi.encodePacked(inputs, proof));
        if (!ok) revert ProofRejected();

        _reports[slot] = StoredReport({
            totalBalanceGwei: r.totalBalanceGwei,
            validatorCount: r.validatorCount,
            exitedCount: r.exitedCount,
            slot: slot,
            registryLength: r.registryLength,
            activeCount: r.activeCount,
            slashedCount: r.slashedCount
        });
        _reportSlots.push(slot);
        emit ReportSubmitted(slot, r.totalBalanceGwei, r.validatorCount, root, timestamp, verifier, msg.sender);
        if (chain) {
            uint256 anchorNew = inputs[25];
            _knownAnchors[verifier][anchorNew] = true;
            latestAnchor = anchorNew;
            emit AnchorRecorded(verifier, anchorNew, slot);
        }
        if (kind == KIND_PENDING) _recordPending(slot, inputs);
    }

    /// @dev The verifier of `slot`, if its kind is `kind` (the entry point's); otherwise the
    /// revert that names what the verifier needs or refuses.
    function _verifierOfKind(uint64 slot, uint8 kind) private view returns (address verifier) {
        VerifierEntry storage entry = _entryFor(_verifiers, slot);
        verifier = entry.verifier;
        uint8 want = entry.anchored ? KIND_CHAIN : (entry.pending ? KIND_PENDING : KIND_PLAIN);
        if (kind != want) {
            if (want == KIND_CHAIN) revert VerifierNeedsAnchors(verifier);
            if (want == KIND_PENDING) revert VerifierNeedsPendingDeposits(verifier);
            if (kind == KIND_CHAIN) revert VerifierTakesNoAnchors(verifier);
            revert VerifierTakesNoPendingDeposits(verifier);
        }
    }

    /// @notice Proves and stores the withdrawal vault's balance at the execution block of the
    /// stored report of `slot`. `timestamp` is, as for the report, that of an execution block
    /// whose parent beacon block root (EIP-4788, within the window) is the block of `slot`:
    /// the vault verifier of `slot` (`vaultVerifierFor`) checks that the root's block is at
    /// `slot`, opens the execution state root from it and walks `proof`'s account proof of
    /// WITHDRAWAL_VAULT (`WithdrawalVaultVerifier.vaultBalance` gives the encoding); its
    /// revert is passed on. Permissionless, once per report. Liveness: it needs the same
    /// beacon-roots window as the report (HISTORY_BUFFER_LENGTH slots, ~27 hours on Ethereum),
    /// so a submitter sends it right after the report; a report left without it stays
    /// `success = false` in `getReport` until a later report is completed.
    function submitVaultBalance(uint64 slot, uint256 timestamp, bytes calldata proof) external {
        if (paused) revert OraclePaused();
        address vault = WITHDRAWAL_VAULT;
        if (vault == address(0)) revert NoWithdrawalVault();
        if (!_isReported(slot)) revert NoReport();
        if (_vaultBalances[slot] != 0) revert VaultBalanceAlreadySubmitted(slot);
        if (timestamp > block.timestamp || block.timestamp - timestamp >= HISTORY_BUFFER_LENGTH * SECONDS_PER_SLOT) {
            revert TimestampOutOfWindow(timestamp, block.timestamp);
        }
        bytes32 root = _beaconRoot(timestamp);
        address verifier = _entryFor(_vaultVerifiers, slot).verifier;
        (bool ok, bytes memory ret) = verifier.staticcall(
            abi.encodeWithSignature("vaultBalance(bytes32,uint64,address,bytes)", root, slot, vault, proof)
        );
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        // The verifier reads at most 16 bytes of balance: no overflow below.
        uint256 balanceWei = abi.decode(ret, (uint256));
        _vaultBalances[slot] = balanceWei + 1;
        emit VaultBalanceRecorded(slot, balanceWei, root, timestamp);
    }

    /// @dev Stores the pending values of an accepted pending report (inputs 24 and 25,
    /// range-checked by `submitPendingReport`'s argument types).
    function _recordPending(uint64 slot, uint256[] memory inputs) private {
        uint64 count = uint64(inputs[24]);
        uint128 amountGwei = uint128(inputs[25]);
        _pendingDeposits[slot] = PendingDeposits({count: count, amountGwei: amountGwei});
        emit PendingDepositsRecorded(slot, count, amountGwei);
    }

    /// @notice The verifier's public inputs for a report, a block root and accumulator limbs,
    /// exactly as `submitReport` passes them (listed in the contract's developer notes).
    function publicInputs(Report calldata r, bytes32 blockRoot, uint256[12] calldata accumulator)
        external
        view
        returns (uint256[NUM_PUBLIC_INPUTS] memory out)
    {
        uint256[] memory inputs = _accumulatorInputs(NUM_PUBLIC_INPUTS, accumulator);
        _statementInputs(inputs, r, blockRoot);
        for (uint256 i = 0; i < NUM_PUBLIC_INPUTS; ++i) {
            out[i] = inputs[i];
        }
    }

    /// @notice The verifier's public inputs for a chain report, exactly as `submitChainReport`
    /// passes them: those of `publicInputs`, then `anchorOld` and `anchorNew`.
    function chainPublicInputs(
        Report calldata r,
        bytes32 blockRoot,
        uint256 anchorOld,
        uint256 anchorNew,
        uint256[12] calldata accumulator
    ) external view returns (uint256[NUM_CHAIN_PUBLIC_INPUTS] memory out) {
        uint256[] memory inputs = _chainInputs(anchorOld, anchorNew, accumulator);
        _statementInputs(inputs, r, blockRoot);
        for (uint256 i = 0; i < NUM_CHAIN_PUBLIC_INPUTS; ++i) {
            out[i] = inputs[i];
        }
    }

    /// @notice The verifier's public inputs for a report with pending deposits, exactly as
    /// `submitPendingReport` passes them: those of `publicInputs`, then the count and the sum.
    function pendingPublicInputs(
        Report calldata r,
        bytes32 blockRoot,
        uint64 pendingDepositCount,
        uint128 pendingDepositGwei,
        uint256[12] calldata accumulator
    ) external view returns (uint256[NUM_PENDING_PUBLIC_INPUTS] memory out) {
        uint256[] memory inputs = _pendingInputs(pendingDepositCount, pendingDepositGwei, accumulator);
        _statementInputs(inputs, r, blockRoot);
        for (uint256 i = 0; i < NUM_PENDING_PUBLIC_INPUTS; ++i) {
            out[i] = inputs[i];
        }
    }

    /// @notice Whether `anchor` is the `anchorNew` of a chain report accepted under `verifier`
    /// (a chain report for a slot of `verifier` may then start from it).
    function isKnownAnchor(address verifier, uint256 anchor) external view returns (bool) {
        return _knownAnchors[verifier][anchor];
    }

    /// @dev `n` inputs with the accumulator limbs at [0..12) and zeros elsewhere.
    function _accumulatorInputs(uint256 n, uint256[12] calldata accumulator)
        private
        pure
        returns (uint256[] memory inputs)
    {
        inputs = new uint256[](n);
        for (uint256 i = 0; i < 12; ++i) {
            inputs[i] = accumulator[i];
        }
    }

    /// @dev The 26 chain inputs with the limbs and the anchors (checked to be field elements).
    function _chainInputs(uint256 anchorOld, uint256 anchorNew, uint256[12] calldata accumulator)
        private
        pure
        returns (uint256[] memory inputs)
    {
        if (anchorOld >= SCALAR_FIELD_MODULUS) revert AnchorNotFieldElement(anchorOld);
        if (anchorNew >= SCALAR_FIELD_MODULUS) revert AnchorNotFieldElement(anchorNew);
        inputs = _accumulatorInputs(NUM_CHAIN_PUBLIC_INPUTS, accumulator);
        inputs[24] = anchorOld;
        inputs[25] = anchorNew;
    }

    /// @dev The 26 pending inputs with the limbs, the count and the sum.
    function _pendingInputs(uint64 count, uint128 amountGwei, uint256[12] calldata accumulator)
        private
        pure
        returns (uint256[] memory inputs)
    {
        inputs = _accumulatorInputs(NUM_PENDING_PUBLIC_INPUTS, accumulator);
        inputs[24] = count;
        inputs[25] = amountGwei;
    }

    /// @dev Writes the statement inputs [12..24) of `r` under `root`.
    function _statementInputs(uint256[] memory inputs, Report calldata r, bytes32 root) private view {
        inputs[12] = uint256(root) >> 128;
        inputs[13] = uint256(root) & LOW_128;
        inputs[14] = r.slot;
        PoolEntry storage pool = _poolEntryFor(r.slot);
        bytes32 credentials = pool.credentials;
        inputs[15] = pool.mode;
        inputs[16] = uint256(credentials) >> 128;
        inputs[17] = uint256(credentials) & LOW_128;
        inputs[18] = r.registryLength;
        inputs[19] = r.validatorCount;
        inputs[20] = r.totalBalanceGwei;
        inputs[21] = r.activeCount;
        inputs[22] = r.exitedCount;
        inputs[23] = r.slashedCount;
    }

    function _beaconRoot(uint256 timestamp) private view returns (bytes32 root) {
        (bool ok, bytes memory ret) = beaconRoots.staticcall(abi.encode(timestamp));
        if (!ok || ret.length != 32) revert BeaconRootUnavailable(timestamp);
        root = abi.decode(ret, (bytes32));
    }

    /// @dev The bound applies from the second report on, relative to a nonzero previous total
    /// (the balance alone: pending deposits are not bounded, see the developer notes).
    function _checkBound(uint64 prevSlot, uint256 before, Report calldata r) private view {
        if (before == 0) return;
        uint256 elapsed = uint256(r.slot - prevSlot) * SECONDS_PER_SLOT;
        // before < 2^128, bound <= 2^24, elapsed < 2^68: no overflow.
        uint256 maxDelta = (before * maxChangeBpsPerDay * elapsed) / (BPS * 1 days);
        uint256 reported = r.totalBalanceGwei;
        uint256 delta = reported > before ? reported - before : before - reported;
        if (delta > maxDelta) revert BalanceChangeTooLarge(uint128(before), uint128(reported), maxDelta);
    }

    /// @notice When `slot` starts: `GENESIS_TIME + slot * SECONDS_PER_SLOT`. The block root of
    /// a report at `slot` is in the beacon-roots contract under the timestamp of the next
    /// execution block, `slotStart(slot + 1)` when that slot was not missed.
    function slotStart(uint64 slot) external view returns (uint256) {
        return GENESIS_TIME + uint256(slot) * SECONDS_PER_SLOT;
    }

    // ------------------------------------------------------------------ verifiers

    /// @notice The verifier that checks reports of `slot`: the latest scheduled one whose
    /// activation slot is at or before `slot`.
    function verifierFor(uint64 slot) public view returns (address) {
        return _entryFor(_verifiers, slot).verifier;
    }

    /// @dev The entry of `schedule` in force at `slot` (there is always one from slot 0).
    function _entryFor(VerifierEntry[] storage schedule, uint64 slot) private view returns (VerifierEntry storage) {
        uint256 i = schedule.length - 1;
        while (schedule[i].activationSlot > slot) --i;
        return schedule[i];
    }

    /// @notice Number of verifier schedule entries.
    function verifierCount() external view returns (uint256) {
        return _verifiers.length;
    }

    /// @notice The `i`-th verifier schedule entry (by increasing activation slot).
    function verifierAt(uint256 i) external view returns (VerifierEntry memory) {
        return _verifiers[i];
    }

    /// @notice Schedules the unanchored (24-input) `verifier` for the reports of slots from
    /// `activationSlot` on, e.g. the verifier of the circuit for a coming hard fork, so that
    /// reports never stop. The activation must be after the latest report's slot (any slot,
    /// 0 included, while there is no report); scheduled entries not yet used whose activation
    /// is at or after `activationSlot` are replaced. Its reports go through `submitReport`.
    function scheduleVerifier(address verifier, uint64 activationSlot) external onlyOwner {
        _schedule(verifier, activationSlot, KIND_PLAIN);
    }

    /// @notice As `scheduleVerifier`, for an anchored verifier of the chain design (26
    /// inputs): its reports go through `submitChainReport`. An oracle that starts with the
    /// chain design schedules its chain verifier at slot 0 before the first report (replacing
    /// the constructor's unanchored entry).
    function scheduleChainVerifier(address verifier, uint64 activationSlot) external onlyOwner {
        _schedule(verifier, activationSlot, KIND_CHAIN);
    }

    /// @notice As `scheduleVerifier`, for a verifier of reports with the pool's pending
    /// deposits (26 inputs): its reports go through `submitPendingReport`.
    function schedulePendingVerifier(address verifier, uint64 activationSlot) external onlyOwner {
        _schedule(verifier, activationSlot, KIND_PENDING);
    }

    /// @notice The first slot a verifier scheduled now may start at under the timelock: the
    /// first whose start is at least VERIFIER_DELAY from now (with no timelock, the current
    /// slot; a schedule must also start after the latest report's slot).
    function earliestActivationSlot() public view returns (uint64) {
        uint256 t = block.timestamp + VERIFIER_DELAY;
        if (t <= GENESIS_TIME) return 0;
        // t < 2^64 · SECONDS_PER_SLOT for any real clock: the slot fits.
        return uint64((t - GENESIS_TIME + SECONDS_PER_SLOT - 1) / SECONDS_PER_SLOT);
    }

    /// @notice Withdraws the last schedule entry, the one from `activationSlot`, while it is
    /// pending: its first slot has not started and is after the latest report's (so it never
    /// checked a report). Its slots go back to the verifier before it, which was already in
    /// force. The initial entry cannot be cancelled.
    function cancelVerifier(uint64 activationSlot) external onlyOwner {
        emit VerifierCancelled(_cancel(_verifiers, activationSlot), activationSlot);
    }

    /// @notice Schedules the vault verifier `verifier` for the vault balances of slots from
    /// `activationSlot` on (e.g. for a fork that moves the payload header), under the same
    /// rules and timelock as `scheduleVerifier`. Only with a withdrawal vault.
    function scheduleVaultVerifier(address verifier, uint64 activationSlot) external onlyOwner {
        if (WITHDRAWAL_VAULT == address(0)) revert NoWithdrawalVault();
        _push(_vaultVerifiers, verifier, activationSlot, KIND_PLAIN);
        emit VaultVerifierScheduled(verifier, activationSlot);
    }

    /// @notice As `cancelVerifier`, for the vault verifiers' schedule.
    function cancelVaultVerifier(uint64 activationSlot) external onlyOwner {
        if (_vaultVerifiers.length == 0) revert NothingToCancel(activationSlot);
        emit VaultVerifierCancelled(_cancel(_vaultVerifiers, activationSlot), activationSlot);
    }

    /// @notice The vault verifier of `slot` (zero without a withdrawal vault).
    function vaultVerifierFor(uint64 slot) external view returns (address) {
        if (_vaultVerifiers.length == 0) return address(0);
        return _entryFor(_vaultVerifiers, slot).verifier;
    }

    /// @dev Pops the last entry of `schedule`, the one from `activationSlot`, if it is pending
    /// (see `cancelVerifier`), and returns its verifier.
    function _cancel(VerifierEntry[] storage schedule, uint64 activationSlot) private returns (address verifier) {
        uint256 n = schedule.length;
        VerifierEntry storage e = schedule[n - 1];
        (bool any, uint64 latest) = _latestSlot();
        if (
            n == 1 || e.activationSlot != activationSlot || (any && activationSlot <= latest)
                || GENESIS_TIME + uint256(activationSlot) * SECONDS_PER_SLOT <= block.timestamp
        ) revert NothingToCancel(activationSlot);
        verifier = e.verifier;
        schedule.pop();
    }

    function _schedule(address verifier, uint64 activationSlot, uint8 kind) private {
        _push(_verifiers, verifier, activationSlot, kind);
        emit VerifierScheduled(verifier, activationSlot);
    }

    /// @dev Adds `verifier` to `schedule` from `activationSlot` on, after the checks of the
    /// timelock and of the latest report.
    function _push(VerifierEntry[] storage schedule, address verifier, uint64 activationSlot, uint8 kind) private {
        if (verifier.code.length == 0) revert NoCode(verifier);
        (bool any, uint64 latest) = _latestSlot();
        if (any && activationSlot <= latest) revert ActivationNotInFuture(activationSlot, latest);
        if (VERIFIER_DELAY > 0) {
            uint64 earliest = earliestActivationSlot();
            if (activationSlot < earliest) revert ActivationTooSoon(activationSlot, earliest);
        }
        // Entries at or after activationSlot were never used: every stored report's slot is
        // before activationSlot (and a vault balance is only taken for a stored report).
        while (schedule.length > 0 && schedule[schedule.length - 1].activationSlot >= activationSlot) {
            schedule.pop();
        }
        schedule.push(
            VerifierEntry({
                activationSlot: activationSlot,
                verifier: verifier,
                anchored: kind == KIND_CHAIN,
                pending: kind == KIND_PENDING
            })
        );
    }

    // ------------------------------------------------------------------ the pool

    /// @notice The pool of reports at `slot`: the latest scheduled entry at or before it.
    function poolFor(uint64 slot) external view returns (uint8 mode, bytes32 credentials) {
        PoolEntry storage e = _poolEntryFor(slot);
        return (e.mode, e.credentials);
    }

    /// @dev The pool entry of `slot` (there is always one from slot 0).
    function _poolEntryFor(uint64 slot) private view returns (PoolEntry storage) {
        uint256 i = _pools.length - 1;
        while (_pools[i].fromSlot > slot) --i;
        return _pools[i];
    }

    /// @notice Number of pool schedule entries.
    function poolCount() external view returns (uint256) {
        return _pools.length;
    }

    /// @notice The `i`-th pool schedule entry (by increasing slot).
    function poolAt(uint256 i) external view returns (PoolEntry memory) {
        return _pools[i];
    }

    /// @dev The latest report's slot, if there is a report: schedules (verifiers, pools) may
    /// only change slots after it.
    function _latestSlot() private view returns (bool any, uint64 latest) {
        uint256 n = _reportSlots.length;
        if (n > 0) return (true, _reportSlots[n - 1]);
    }

    /// @notice Names who may schedule credential-set roots (zero: nobody).
    function setPoolAdmin(address admin) external onlyOwner {
        poolAdmin = admin;
        emit PoolAdminSet(admin);
    }

    /// @notice Makes the pool of slots from `fromSlot` on the credential set of Poseidon root
    /// `root` (`stakeproof pool-root` computes it from a pool file). Only `poolAdmin`. Slots
    /// already reported keep their pool: `fromSlot` must be after the latest report's slot
    /// (any slot while there is none); entries not yet used at or after `fromSlot` are
    /// replaced. The root must be a field element. The set's keys must be distinct and sorted
    /// as the tool builds them: the set circuit (`pool_set`) proves that of a root.
    function schedulePoolSet(bytes32 root, uint64 fromSlot) external {
        if (msg.sender != poolAdmin || poolAdmin == address(0)) revert NotPoolAdmin();
        if (uint256(root) >= SCALAR_FIELD_MODULUS) revert RootNotFieldElement(root);
        (bool any, uint64 latest) = _latestSlot();
        if (any && fromSlot <= latest) revert PoolChangeNotInFuture(fromSlot, latest);
        while (_pools.length > 0 && _pools[_pools.length - 1].fromSlot >= fromSlot) {
            _pools.pop();
        }
        _pools.push(PoolEntry({fromSlot: fromSlot, mode: POOL_MODE_SET, credentials: root}));
        emit PoolScheduled(POOL_MODE_SET, root, fromSlot);
    }

    // ------------------------------------------------------------------ administration

    /// @notice Refuses reports until `unpause`.
    function pause() external onlyOwner {
        paused = true;
        emit PausedSet(true);
    }

    /// @notice Accepts reports again.
    function unpause() external onlyOwner {
        paused = false;
        emit PausedSet(false);
    }

    /// @notice Sets the balance-change bound (bps of the previous total per day).
    function setMaxChangeBpsPerDay(uint256 bps) external onlyOwner {
        if (bps > MAX_BOUND_BPS_PER_DAY) revert BoundTooLarge(bps);
        // At most MAX_BOUND_BPS_PER_DAY (checked above): fits 64 bits.
        maxChangeBpsPerDay = uint64(bps);
        emit MaxChangeBpsPerDaySet(bps);
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ reads

    /// @notice Number of stored reports.
    function reportCount() external view returns (uint256) {
        return _reportSlots.length;
    }

    /// @notice Whether a report for `slot` is stored (a binary search of the reported slots:
    /// O(log n) storage reads for an on-chain caller; `latestReport` and `getReport` read one
    /// or two words).
    function hasReport(uint64 slot) external view returns (bool) {
        return _isReported(slot);
    }

    /// @notice The report stored for exactly `slot` (reverts NoReport if none).
    function reportAt(uint64 slot) external view returns (Report memory) {
        if (!_isReported(slot)) revert NoReport();
        return _load(slot);
    }

    /// @notice The pool's pending deposits proven with the report of exactly `slot` (reverts
    /// NoReport if none; zero for a report made under a verifier without them, or of a state
    /// before Electra).
    function pendingDepositsAt(uint64 slot) external view returns (uint64 count, uint128 amountGwei) {
        if (!_isReported(slot)) revert NoReport();
        PendingDeposits storage p = _pendingDeposits[slot];
        return (p.count, p.amountGwei);
    }

    /// @notice The latest report's slot and its pending deposits (reverts NoReport if none).
    function latestPendingDeposits() external view returns (uint64 slot, uint64 count, uint128 amountGwei) {
        uint256 n = _reportSlots.length;
        if (n == 0) revert NoReport();
        slot = _reportSlots[n - 1];
        PendingDeposits storage p = _pendingDeposits[slot];
        return (slot, p.count, p.amountGwei);
    }

    /// @notice The withdrawal vault's balance at the block of the report of exactly `slot`:
    /// whether it is proven yet, and the wei (reverts NoReport if there is no report).
    function vaultBalanceAt(uint64 slot) external view returns (bool proven, uint256 balanceWei) {
        if (!_isReported(slot)) revert NoReport();
        uint256 v = _vaultBalances[slot];
        return (v != 0, v == 0 ? 0 : v - 1);
    }

    /// @notice The latest report (reverts NoReport if none).
    function latestReport() external view returns (Report memory) {
        uint256 n = _reportSlots.length;
        if (n == 0) revert NoReport();
        return _load(_reportSlots[n - 1]);
    }

    /// @dev Whether `slot` was reported: a binary search of `_reportSlots` (strictly
    /// increasing). Submissions call it only to name the error of a slot at or before the
    /// latest, so accepted reports never pay for it.
    function _isReported(uint64 slot) private view returns (bool) {
        uint256 lo = 0;
        uint256 hi = _reportSlots.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            uint64 s = _reportSlots[mid];
            if (s == slot) return true;
            if (s < slot) lo = mid + 1;
            else hi = mid;
        }
        return false;
    }

    /// @dev The stored report of a reported `slot`, in the ABI's `Report` form.
    function _load(uint64 slot) private view returns (Report memory) {
        StoredReport storage s = _reports[slot];
        return Report({
            slot: s.slot,
            registryLength: s.registryLength,
            validatorCount: s.validatorCount,
            totalBalanceGwei: s.totalBalanceGwei,
            activeCount: s.activeCount,
            exitedCount: s.exitedCount,
            slashedCount: s.slashedCount
        });
    }

    /// @notice Lido's second-opinion oracle interface: the latest report at or before `refSlot`
    /// (a slot without a report resolves to the last report before it).
    /// @return success false when there is no report at or before `refSlot`; with a withdrawal
    /// vault, also when there is no report at exactly `refSlot` or its vault balance is not
    /// proven yet: the vault changes with every block, and a consumer (Lido's sanity checker
    /// compares it exactly) must not pair it with a balance of another moment
    /// @return clBalanceGwei the pool's total beacon-chain balance
    /// @return withdrawalVaultBalanceWei the withdrawal vault's balance at the report's
    /// execution block, proven by `submitVaultBalance` (0 without a withdrawal vault)
    /// @return totalDepositedValidators the pool's validators in the registry
    /// @return totalExitedValidators the pool's exited validators
    function getReport(uint256 refSlot)
        external
        view
        returns (
            bool success,
            uint256 clBalanceGwei,
            uint256 withdrawalVaultBalanceWei,
            uint256 totalDepositedValidators,
            uint256 totalExitedValidators
        )
    {
        // Binary search for the last stored slot <= refSlot (slots are strictly increasing).
        uint256 lo = 0;
        uint256 hi = _reportSlots.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_reportSlots[mid] <= refSlot) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, 0, 0, 0, 0);
        uint64 slot = _reportSlots[lo - 1];
        uint256 vault = _vaultBalances[slot];
        if (WITHDRAWAL_VAULT != address(0) && (vault == 0 || slot != refSlot)) return (false, 0, 0, 0, 0);
        StoredReport storage r = _reports[slot];
        return (true, r.totalBalanceGwei, vault == 0 ? 0 : vault - 1, r.validatorCount, r.exitedCount);
    }
}
