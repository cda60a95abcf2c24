import { Route, Routes } from 'react-router-dom';
import { SloListPage } from './SloListPage';
import { SloDetailPage } from './SloDetailPage';

export const SloRouter = () => (
  <Routes>
    <Route path="/" element={<SloListPage />} />
    <Route path="/:id" element={<SloDetailPage />} />
  </Routes>
);
