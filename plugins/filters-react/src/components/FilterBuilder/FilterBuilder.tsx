import { Box, Chip, Tooltip, Typography } from '@material-ui/core';
import {
  DatasetDescription,
  FilterGroup,
  FilterValidationIssue,
  validateFilter,
} from '@internal/plugin-filters-common';
import { GroupEditor } from './GroupEditor';

/** The engine's EXPLAIN estimate for the current filter (an estimate, not a measurement). */
export interface FilterEstimate {
  estimatedRows: number;
  estimatedCost: number;
  costThreshold: number;
  wouldRun: boolean;
  suggestedFields: string[];
  measuredAt: string;
}

export interface FilterBuilderProps {
  dataset: DatasetDescription;
  value: FilterGroup;
  onChange: (value: FilterGroup) => void;
  /** Shown above the tree when given (e.g. from FiltersApi.explain). */
  estimate?: FilterEstimate;
  estimateError?: Error;
}

/**
 * Builds a filter for a dataset: nested groups, type-aware inputs, inline validation messages
 * (the same validator the engine runs), and the engine's estimate when given.
 */
export function FilterBuilder(props: FilterBuilderProps) {
  const { dataset, value, onChange, estimate, estimateError } = props;
  const validation = validateFilter(value, dataset);
  const issues = new Map<string, string>();
  for (const issue of validation.issues as FilterValidationIssue[]) {
    if (!issues.has(issue.path)) issues.set(issue.path, issue.message);
  }
  return (
    <Box>
      <Box
        display="flex"
        style={{ gap: 8 }}
        alignItems="center"
        flexWrap="wrap"
      >
        {validation.valid ? (
          <Chip
            size="small"
            label="Filter is valid"
            color="primary"
            variant="outlined"
          />
        ) : (
          <Chip
            size="small"
            label={`${validation.issues.length} problem${
              validation.issues.length === 1 ? '' : 's'
            }`}
            color="secondary"
          />
        )}
        {estimate && (
          <Tooltip
            title={`EXPLAIN estimate at ${estimate.measuredAt}; threshold ${estimate.costThreshold}`}
          >
            <Chip
              size="small"
              data-testid="filter-estimate"
              color={estimate.wouldRun ? 'default' : 'secondary'}
              label={`Estimate: ~${Math.round(
                estimate.estimatedRows,
              ).toLocaleString()} rows, cost ${Math.round(
                estimate.estimatedCost,
              ).toLocaleString()}${
                estimate.wouldRun
                  ? ''
                  : ` — above ${estimate.costThreshold.toLocaleString()}: add ${
                      estimate.suggestedFields.join(' or ') || 'conditions'
                    }`
              }`}
            />
          </Tooltip>
        )}
        {estimateError && (
          <Typography color="error" variant="body2">
            {estimateError.message}
          </Typography>
        )}
      </Box>
      <GroupEditor
        dataset={dataset}
        group={value}
        path={[]}
        issues={issues}
        onChange={next => onChange(next ?? { combinator: 'and', rules: [] })}
      />
    </Box>
  );
}
