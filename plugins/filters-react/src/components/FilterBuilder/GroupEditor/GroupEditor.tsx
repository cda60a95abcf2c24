import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import {
  DatasetDescription,
  DEFAULT_FILTER_LIMITS,
  FilterGroup,
  FilterRule,
  filterableFieldNames,
  isFilterGroup,
  resolveField,
} from '@internal/plugin-filters-common';
import { useEditorStyles } from '../editorStyles';
import { defaultValue, Path, pathKey, updateAt } from '../filterTree';
import { RuleEditor } from '../RuleEditor';

/** A group: and/or, not, its rules and nested groups (up to the grammar's depth limit). */
export function GroupEditor(props: {
  dataset: DatasetDescription;
  group: FilterGroup;
  path: Path;
  issues: Map<string, string>;
  onChange: (group: FilterGroup | undefined) => void;
}) {
  const classes = useEditorStyles();
  const { dataset, group, path, issues, onChange } = props;
  const prefix = pathKey(path);
  const depth = path.length + 1;
  const firstField = filterableFieldNames(dataset)[0];
  const newRule = (): FilterRule => {
    const r = resolveField(dataset, firstField);
    const operator = r.ok ? r.resolved.operators[0] : 'eq';
    return {
      field: firstField,
      operator,
      value: r.ok ? defaultValue(r.resolved, operator) : undefined,
    };
  };
  const groupError =
    issues.get(prefix) ?? issues.get(prefix ? `${prefix}.rules` : 'rules');
  return (
    <Box className={classes.group} data-testid={`group-${prefix || 'root'}`}>
      <Box className={classes.row}>
        <TextField
          size="small"
          variant="outlined"
          select
          label="Match"
          value={group.combinator}
          inputProps={{ 'aria-label': 'Match' }}
          onChange={e =>
            onChange({ ...group, combinator: e.target.value as 'and' | 'or' })
          }
        >
          <MenuItem value="and">all of (and)</MenuItem>
          <MenuItem value="or">any of (or)</MenuItem>
        </TextField>
        <FormControlLabel
          control={
            <Checkbox
              checked={Boolean(group.not)}
              onChange={e =>
                onChange({ ...group, not: e.target.checked || undefined })
              }
            />
          }
          label="not"
        />
        <Button
          size="small"
          variant="outlined"
          onClick={() =>
            onChange({ ...group, rules: [...group.rules, newRule()] })
          }
        >
          Add rule
        </Button>
        <Button
          size="small"
          variant="outlined"
          disabled={depth >= DEFAULT_FILTER_LIMITS.maxDepth}
          onClick={() =>
            onChange({
              ...group,
              rules: [
                ...group.rules,
                { combinator: 'and', rules: [newRule()] },
              ],
            })
          }
        >
          Add group
        </Button>
        {path.length > 0 && (
          <Button size="small" onClick={() => onChange(undefined)}>
            Remove group
          </Button>
        )}
      </Box>
      {groupError && (
        <Typography color="error" variant="body2">
          {groupError}
        </Typography>
      )}
      {group.rules.map((node, i) =>
        isFilterGroup(node) ? (
          <GroupEditor
            key={i}
            dataset={dataset}
            group={node}
            path={[...path, i]}
            issues={issues}
            onChange={next => onChange(updateAt(group, [i], () => next))}
          />
        ) : (
          <RuleEditor
            key={i}
            dataset={dataset}
            rule={node}
            path={[...path, i]}
            issues={issues}
            onChange={next => onChange(updateAt(group, [i], () => next))}
          />
        ),
      )}
    </Box>
  );
}
