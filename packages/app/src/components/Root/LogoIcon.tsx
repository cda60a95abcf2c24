import { makeStyles, Typography } from '@material-ui/core';

const useStyles = makeStyles({
  text: {
    color: '#7df3e1',
    fontWeight: 700,
    fontSize: 20,
  },
});

const LogoIcon = () => {
  const classes = useStyles();
  return <Typography className={classes.text}>PP</Typography>;
};

export default LogoIcon;
