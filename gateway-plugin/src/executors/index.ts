/**
 * Node executors: the one interface through which a checked command reaches
 * a node, fan-out to several nodes, the simulated cluster (embedded default)
 * and PowerShell remoting to the JEA endpoint (real deployments).
 */
export type { NodeExecutor, NodeResult, ResultChunk, ResultObject, ResultValue, RunOptions } from './node-executor';
export { assertCommandShape, resultText } from './node-executor';
export {
  EXECUTOR_ERROR_CODES, EXECUTOR_ERROR_SUMMARIES, ExecutorError, formatErrorRecord, isExecutorError, toExecutorError,
} from './executor-error';
export type { CommandErrorRecord, ExecutorErrorCode } from './executor-error';
export { fanOut } from './fan-out';
export type { FanOutOptions, FanOutReport, NodeOutcome } from './fan-out';
export { cellText, formatList, formatObjects, formatStorageSize, formatTable, OUTPUT_VIEWS, outputView } from './format-table';
export type { ColumnFormat, OutputView, ViewColumn } from './format-table';
export { SimulatedNodeExecutor } from './simulated-executor';
export type { SimulatedExecutorOptions } from './simulated-executor';
export { SimulatedClusterState } from './cluster-state';
export type { ExecutorFixture, NodeFaults, ServiceState, SimulatedObjectsFixture } from './cluster-state';
export { SIMULATED_CMDLETS } from './simulated-cmdlets';
export {
  classifyRemotingError, DEFAULT_JEA_ENDPOINT, DEFAULT_WORKERS, parseFrame, PowerShellNodeExecutor,
} from './powershell-executor';
export type { PowerShellExecutorOptions, RemotingError, RemotingFrame } from './powershell-executor';
export { defaultPowerShellPath, powershellRoot } from './powershell-files';
export { PowerShellWorker, WORKER_PROTOCOL_VERSION, workerArgs } from './powershell-worker';
