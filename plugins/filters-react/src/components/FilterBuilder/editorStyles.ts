import { makeStyles } from '@material-ui/core/styles';

/** Layout shared by the filter editors: indented groups, wrapping rows of inputs. */
export const useEditorStyles = makeStyles(theme => ({
  group: {
    borderLeft: `3px solid ${theme.palette.primary.main}`,
    paddingLeft: theme.spacing(1.5),
    marginTop: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  row: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
    marginTop: theme.spacing(1),
  },
  input: { minWidth: 160 },
}));
