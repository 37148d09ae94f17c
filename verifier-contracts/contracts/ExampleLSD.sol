// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import "./BeaconBalanceOracle.sol";

/// @title ExampleLSD
/// @notice A minimal share-based liquid-staking token (stETH/rETH-like) whose exchange rate
/// follows the proven beacon-chain balance of BeaconBalanceOracle instead of an oracle
/// committee. Deposits mint shares at the current rate; `sync()` pulls the oracle's latest report.
/// @dev An example, not a product: the ETH of deposits stays in this contract (the "EL buffer")
/// rather than being sent to the deposit contract, there is no tracking of in-flight deposits
/// (sent but not yet visible on the beacon chain), no withdrawal queue and no fees. It shows the
/// accounting: totalPooledEther = (clBalanceGwei + pendingDepositGwei) * 1e9 +
/// address(this).balance, where pendingDepositGwei is the pool's ETH still in the beacon chain's
/// deposit queue (proven by a pending-deposits verifier; 0 otherwise), so that the rate does not
/// dip while deposits wait there. A product must not take that sum as is: anyone can queue a
/// deposit with the pool's credentials for a validator of their own, which counts until the
/// queue credits it to that validator (the oracle's developer notes). It should pool
/// min(pendingDepositGwei, its own deposits sent and not yet seen in a report).
contract ExampleLSD {
    /// @notice The oracle whose reports set the beacon-chain balance.
    BeaconBalanceOracle public immutable oracle;

    /// @notice Token name.
    string public constant name = "Example Staked Ether";
    /// @notice Token symbol.
    string public constant symbol = "exETH";
    /// @notice Token decimals.
    uint8 public constant decimals = 18;

    /// @notice Shares of each holder.
    mapping(address => uint256) public sharesOf;
    /// @notice All shares.
    uint256 public totalShares;
    /// @notice The pool's beacon-chain balance from the last synced report, in gwei.
    uint256 public clBalanceGwei;
    /// @notice The pool's deposits in the beacon chain's pending queue from the last synced
    /// report, in gwei (0 for a report without them; see the oracle's rule and limits).
    uint256 public pendingDepositGwei;
    /// @notice Slot of the last synced report (0 before the first sync).
    uint64 public lastSyncedSlot;

    /// @notice `account` deposited `amount` wei and got `shares`.
    event Deposited(address indexed account, uint256 amount, uint256 shares);
    /// @notice `account` redeemed `shares` for `amount` wei.
    event Redeemed(address indexed account, uint256 shares, uint256 amount);
    /// @notice Shares moved.
    event TransferShares(address indexed from, address indexed to, uint256 shares);
    /// @notice The oracle's report of `slot` was applied.
    event Synced(uint64 indexed slot, uint256 clBalanceGwei, uint256 totalPooledEther, uint256 totalShares);

    /// @notice Zero amount or shares.
    error ZeroAmount();
    /// @notice Not enough shares.
    error InsufficientShares(uint256 have, uint256 want);
    /// @notice The EL buffer cannot pay the redemption.
    error InsufficientBuffer(uint256 have, uint256 want);
    /// @notice The oracle's latest report is not newer than the synced one.
    error NothingToSync(uint64 slot);
    /// @notice Sending ETH failed.
    error TransferFailed();

    /// @param oracle_ The beacon balance oracle.
    constructor(BeaconBalanceOracle oracle_) {
        oracle = oracle_;
    }

    /// @notice All ether of the pool: beacon-chain balance plus this contract's balance (wei).
    function totalPooledEther() public view returns (uint256) {
        return (clBalanceGwei + pendingDepositGwei) * 1 gwei + address(this).balance;
    }

    /// @notice Wei per 1e18 shares (1e18 before the first deposit).
    function getRate() external view returns (uint256) {
        if (totalShares == 0) return 1 ether;
        return (totalPooledEther() * 1 ether) / totalShares;
    }

    /// @notice The ether `account`'s shares are worth.
    function balanceOf(address account) external view returns (uint256) {
        return totalShares == 0 ? 0 : (sharesOf[account] * totalPooledEther()) / totalShares;
    }

    /// @notice Deposits `msg.value` and mints shares at the current rate.
    function deposit() external payable returns (uint256 shares) {
        if (msg.value == 0) revert ZeroAmount();
        // The pool before this deposit (msg.value is already in the balance).
        uint256 pooledBefore = totalPooledEther() - msg.value;
        shares = (totalShares == 0 || pooledBefore == 0) ? msg.value : (msg.value * totalShares) / pooledBefore;
        if (shares == 0) revert ZeroAmount();
        sharesOf[msg.sender] += shares;
        totalShares += shares;
        emit Deposited(msg.sender, msg.value, shares);
    }

    /// @notice Burns `shares` and pays their worth from the EL buffer.
    function redeem(uint256 shares) external returns (uint256 amount) {
        if (shares == 0) revert ZeroAmount();
        uint256 have = sharesOf[msg.sender];
        if (have < shares) revert InsufficientShares(have, shares);
        amount = (shares * totalPooledEther()) / totalShares;
        if (amount > address(this).balance) revert InsufficientBuffer(address(this).balance, amount);
        sharesOf[msg.sender] = have - shares;
        totalShares -= shares;
        emit Redeemed(msg.sender, shares, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// @notice Moves `shares` to `to`.
    function transferShares(address to, uint256 shares) external {
        uint256 have = sharesOf[msg.sender];
        if (have < shares) revert InsufficientShares(have, shares);
        sharesOf[msg.sender] = have - shares;
        sharesOf[to] += shares;
        emit TransferShares(msg.sender, to, shares);
    }

    /// @notice Applies the oracle's latest report: the beacon-chain balance becomes its total,
    /// and the pending deposits its pending sum. Anyone may call it.
    function sync() external {
        BeaconBalanceOracle.Report memory r = oracle.latestReport();
        if (lastSyncedSlot != 0 && r.slot <= lastSyncedSlot) revert NothingToSync(r.slot);
        (,, uint128 pending) = oracle.latestPendingDeposits();
        clBalanceGwei = r.totalBalanceGwei;
        pendingDepositGwei = pending;
        lastSyncedSlot = r.slot;
        emit Synced(r.slot, r.totalBalanceGwei, totalPooledEther(), totalShares);
    }
}
