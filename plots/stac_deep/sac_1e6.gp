# sac_1e6.gp, written by notebooks/stac_deep.ipynb; data in sac_1e6.dat.
set terminal pngcairo size 900,550 enhanced font "Helvetica,11" background rgb "white"
set output "sac_1e6.png"
set termoption noenhanced
set grid
set key bottom right
set format x "%.1s%c"
set xlabel "environment steps"
set ylabel "greedy evaluation return (10 episodes)"
set title "SAC on HalfCheetah-v5 to 1e6 steps (the STAC paper's settings)"
plot 'sac_1e6.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 lw 2 title 'SAC, seed0', 9634.89 with lines lc rgb '#555555' dt 2 title 'CleanRL SAC at 1e6 (v4, 3 seeds)', 8211.16 with lines lc rgb '#aaaaaa' dt 3 notitle, 11058.619999999999 with lines lc rgb '#aaaaaa' dt 3 notitle
