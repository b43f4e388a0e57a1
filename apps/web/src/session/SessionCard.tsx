/** The frame of the pages shown before sign-in (login, password reset): the product's name over a centred card. */
import { Box, Card, CardContent, Typography } from '@mui/material';
import type { ReactNode } from 'react';

export function SessionCard({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <Box
      component="main"
      sx={{
        minHeight: '100vh',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        bgcolor: 'background.default',
        px: 2,
      }}
    >
      <Typography component="h1" variant="h4" sx={{ fontWeight: 600, mb: 3 }}>
        registry-admin
      </Typography>
      <Card sx={{ width: '100%', maxWidth: 380 }} variant="outlined">
        <CardContent sx={{ p: 3 }}>
          <Typography component="h2" variant="h6" sx={{ mb: 2 }}>
            {heading}
          </Typography>
          {children}
        </CardContent>
      </Card>
    </Box>
  );
}
