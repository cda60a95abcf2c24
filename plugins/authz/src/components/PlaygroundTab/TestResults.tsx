import { Box, Typography } from '@material-ui/core';
import { TestResponse } from '../../api/AuthzApi';

export const TestResults = ({ tests }: { tests: TestResponse }) => {
  if (tests.errors.length > 0) {
    return (
      <Box mt={1}>
        {tests.errors.map(e => (
          <Typography key={`${e.file}:${e.line}:${e.column}`} color="error">
            {e.file}:{e.line}:{e.column}: {e.message}
          </Typography>
        ))}
      </Box>
    );
  }
  const failed = tests.results.filter(r => !r.pass);
  return (
    <Box mt={1} data-testid="test-results">
      <Typography>
        {tests.results.length - failed.length} of {tests.results.length} tests
        pass
      </Typography>
      {failed.map(r => (
        <Typography key={`${r.file}:${r.name}`} color="error" variant="body2">
          FAIL {r.file} {r.name}
          {r.failedExpr &&
            ` at ${r.failedExpr.line}:${r.failedExpr.column}: ${r.failedExpr.text}`}
          {r.error && `: ${r.error}`}
        </Typography>
      ))}
    </Box>
  );
};
