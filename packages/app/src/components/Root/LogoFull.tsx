import { makeStyles, Typography } from '@material-ui/core';

const useStyles = makeStyles({
  text: {
    color: '#7df3e1',
    fontWeight: 700,
    fontSize: 22,
    lineHeight: 1.1,
    whiteSpace: 'nowrap',
  },
});

const LogoFull = () => {
  const classes = useStyles();
  return <Typography className={classes.text}>Platform Portal</Typography>;
};

export default LogoFull;
