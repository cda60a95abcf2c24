import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import { budgetStatus, pct } from './format';

export const BudgetStatus = ({ remaining }: { remaining: number | null }) => {
  const label = remaining === null ? 'no data' : pct(remaining, 1);
  switch (budgetStatus(remaining)) {
    case 'ok':
      return <StatusOK>{label}</StatusOK>;
    case 'warning':
      return <StatusWarning>{label}</StatusWarning>;
    case 'error':
      return <StatusError>{label}</StatusError>;
    default:
      return <StatusPending>{label}</StatusPending>;
  }
};
