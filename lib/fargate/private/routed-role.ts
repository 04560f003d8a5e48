// Moved to lib/common (shared by the Fargate service and the Batch job definitions).
export { RoutedPolicy, RoutedRole } from '../../common/routed-role';
