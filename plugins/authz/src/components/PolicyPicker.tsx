import { MenuItem, TextField } from '@material-ui/core';
import { PolicyKind } from '../api/AuthzApi';

/** Which policy's revisions a tab shows: the Check API's or the portal's Backstage policy. */
export const PolicyPicker = (props: {
  value: PolicyKind;
  onChange: (policy: PolicyKind) => void;
}) => (
  <TextField
    select
    label="Policy"
    size="small"
    value={props.value}
    inputProps={{ 'aria-label': 'Policy' }}
    onChange={e => props.onChange(e.target.value as PolicyKind)}
    style={{ minWidth: 260, marginRight: 16 }}
  >
    <MenuItem value="product">product (Check API)</MenuItem>
    <MenuItem value="portal">portal (Backstage permissions)</MenuItem>
  </TextField>
);
