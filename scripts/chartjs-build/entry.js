// Chart.js with only what static/js/board.js draws: bar charts (stacked, and horizontal for the
// funnel) on a category and a linear scale, with the legend and tooltips. Exposed as
// window.Chart, as the full UMD build did. Another chart type needs its controller, elements
// and scales registered here, then `scripts/chartjs-build/build`.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
window.Chart = Chart;
