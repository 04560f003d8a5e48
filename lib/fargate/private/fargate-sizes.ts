// Moved to lib/common (shared by the Fargate service and the Batch job definitions).
export { validFargateMemory, validateFargateTaskSize } from '../../common/fargate-sizes';
