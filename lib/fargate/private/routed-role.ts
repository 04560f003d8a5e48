// Moved to lib/common (shared by the ECS services and the Batch job definitions).
export { RoutedPolicy, RoutedRole } from '../../common/routed-role';
